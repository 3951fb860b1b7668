"""Diagrams through the API: the type's workflow, and a document's with its state highlighted."""

from lxml import etree


async def test_document_diagram_highlights_its_current_state(api, circuit):
    document = await circuit.submitted(total_ht=6000)
    await circuit.approved_by("bob", document["id"])
    body = await api('query($id: ID!) { document(id: $id) { diagram } documentType(key: "purchase_request") '
                     '{ diagram } }', {"id": document["id"]}, user="alice")
    svg = etree.fromstring(body["data"]["document"]["diagram"].encode())
    current = svg.xpath("//*[local-name()='g'][contains(concat(' ', @class, ' '), ' current ')]/@data-state")
    assert current == ["daf_review"]
    plain = etree.fromstring(body["data"]["documentType"]["diagram"].encode())
    assert plain.xpath("//*[local-name()='g'][contains(concat(' ', @class, ' '), ' current ')]") == []
    assert len(plain.xpath("//*[local-name()='g'][contains(concat(' ', @class, ' '), ' state ')]")) == 9
