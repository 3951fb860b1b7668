"""Screens through the API, and the server's re-check of what a screen would not allow."""

import copy
import json

from models.document_types import publish
from models.tables import Document
from models.templates import install_template, read_template
from tests.circuit import CREATE, UPDATE, request_data
from tests.conftest import TEMPLATES


def controls(element):
    if element.get("kind") == "control":
        yield element
        for row in element.get("rows", []):
            yield from row
    for child in element.get("elements", []):
        yield from controls(child)


async def test_new_document_screen_is_editable_for_a_requester(api):
    body = await api('{ documentType(key: "purchase_request") { screen } }', user="alice")
    screen = body["data"]["documentType"]["screen"]
    by_pointer = {c["pointer"]: c for c in controls(screen["root"])}
    assert by_pointer["/title"]["readOnly"] is False and by_pointer["/title"]["required"] is True
    assert by_pointer["/supplier"]["widget"] == "catalog"
    assert by_pointer["/total_ht"]["readOnly"] is True and by_pointer["/total_ht"]["computed"] is True


async def test_document_screen_is_read_only_for_a_reviewer_and_after_submission(api, circuit):
    draft = (await circuit.create())["document"]
    mine = await api("query($id: ID!) { document(id: $id) { screen } }", {"id": draft["id"]}, user="alice")
    assert mine["data"]["document"]["screen"]["editable"] is True
    bobs = await api("query($id: ID!) { document(id: $id) { screen } }", {"id": draft["id"]}, user="bob")
    assert all(c["readOnly"] for c in controls(bobs["data"]["document"]["screen"]["root"]))
    await circuit.act("alice", draft["id"], "submit")
    after = await api("query($id: ID!) { document(id: $id) { screen } }", {"id": draft["id"]}, user="alice")
    screen = after["data"]["document"]["screen"]
    assert screen["state"] == "service_review"
    assert all(c["readOnly"] for c in controls(screen["root"]))
    lines = next(c for c in controls(screen["root"]) if c["pointer"] == "/lines")
    assert [cell["pointer"] for cell in lines["rows"][0]][:2] == ["/lines/0/description", "/lines/0/quantity"]


async def _publish_with_hidden_justification(demo: int) -> None:
    """A version whose justification is hidden for IT requests."""
    parts = read_template(TEMPLATES / "purchase_request")
    ui = copy.deepcopy(parts["ui.json"])
    justification = ui["elements"][0]["elements"][3]
    assert justification["scope"] == "#/properties/justification"
    justification["rule"] = {"effect": "HIDE",
                             "condition": {"scope": "#/properties/department", "schema": {"const": "IT"}}}
    meta = parts["type.json"]
    await publish(organisation_id=demo, key=meta["key"], name=meta["name"], category=meta["category"],
                  number_prefix=meta["number_prefix"], json_schema=parts["schema.json"], ui_schema=ui,
                  workflow=parts["workflow.json"], permissions=meta["permissions"])


async def test_data_for_a_field_hidden_by_a_rule_is_refused_and_not_stored(api, demo):
    await _publish_with_hidden_justification(demo)
    body = await api(CREATE, {"input": {"documentType": "purchase_request",
                                        "data": request_data(justification="Hidden for IT")}}, user="alice")
    result = body["data"]["createDocument"]
    assert result["__typename"] == "ValidationFailed"
    assert [e["path"] for e in result["errors"]] == ["/justification"]
    assert "hidden" in result["errors"][0]["message"]
    assert await Document.count() == 0
    ops = request_data(department="OPS", analytic_code="OPS-GEN", justification="Shown for OPS")
    allowed = await api(CREATE, {"input": {"documentType": "purchase_request", "data": ops}}, user="alice")
    assert allowed["data"]["createDocument"]["__typename"] == "DocumentPayload"


async def test_update_of_a_hidden_field_is_refused_too(api, demo):
    await _publish_with_hidden_justification(demo)
    data = request_data()
    data.pop("justification")
    created = await api(CREATE, {"input": {"documentType": "purchase_request", "data": data}}, user="alice")
    document = created["data"]["createDocument"]["document"]
    body = await api(UPDATE, {"input": {"id": document["id"], "expectedVersion": document["version"],
                                        "data": {**data, "justification": "sneaked in"}}}, user="alice")
    result = body["data"]["updateDocument"]
    assert result["__typename"] == "ValidationFailed" and result["errors"][0]["path"] == "/justification"
    stored = await Document.select(Document.data, Document.version).where(Document.id == int(document["id"])).first()
    assert "sneaked in" not in str(stored["data"]) and stored["version"] == document["version"]


DATES = ("/start_date", "/end_date", "/days")
LEAVE = {"employee_name": "Alice Martin", "department": "IT", "document_type": "leave_request",
         "start_date": "2026-12-21", "end_date": "2026-12-24", "days": 4}
TYPE_SCREEN = "query($d: JSON) { documentType(key: \"hr_document\") { screen(data: $d) } }"
DOCUMENT_SCREEN = "query($id: ID!, $d: JSON) { document(id: $id) { screen(data: $d) } }"


def by_pointer(screen, pointer):
    return next(c for c in controls(screen["root"]) if c["pointer"] == pointer)


def flags(screen, pointers=DATES):
    return {p: (by_pointer(screen, p)["visible"], by_pointer(screen, p)["readOnly"]) for p in pointers}


async def test_new_document_screen_evaluates_rules_against_the_data_being_edited(api, demo):
    await install_template(demo, TEMPLATES / "hr_document")  # its Dates group is hidden for a certificate
    plain = (await api(TYPE_SCREEN, user="alice"))["data"]["documentType"]["screen"]
    assert plain["hasRules"] is True
    assert flags(plain) == dict.fromkeys(DATES, (True, False))

    edited = await api(TYPE_SCREEN, {"d": {"document_type": "certificate"}}, user="alice")
    screen = edited["data"]["documentType"]["screen"]
    assert flags(screen) == dict.fromkeys(DATES, (False, False))
    assert by_pointer(screen, "/document_type")["value"] == "certificate"
    again = await api(TYPE_SCREEN, {"d": {"document_type": "training_request"}}, user="alice")
    assert flags(again["data"]["documentType"]["screen"]) == dict.fromkeys(DATES, (True, False))
    purchase = await api('{ documentType(key: "purchase_request") { screen } }', user="alice")
    assert purchase["data"]["documentType"]["screen"]["hasRules"] is False


async def test_document_screen_with_data_keeps_the_rights_of_the_stored_document(api, demo, circuit):
    await install_template(demo, TEMPLATES / "hr_document")
    created = await api(CREATE, {"input": {"documentType": "hr_document", "data": LEAVE}}, user="alice")
    document = created["data"]["createDocument"]["document"]
    certificate = {**LEAVE, "document_type": "certificate"}

    mine = await api(DOCUMENT_SCREEN, {"id": document["id"], "d": certificate}, user="alice")
    screen = mine["data"]["document"]["screen"]
    assert flags(screen) == dict.fromkeys(DATES, (False, False)) and screen["editable"] is True
    stored = await api(DOCUMENT_SCREEN, {"id": document["id"]}, user="alice")
    assert flags(stored["data"]["document"]["screen"]) == dict.fromkeys(DATES, (True, False))

    await circuit.act("alice", document["id"], "submit")
    submitted = await api(DOCUMENT_SCREEN, {"id": document["id"], "d": certificate}, user="alice")
    screen = submitted["data"]["document"]["screen"]
    assert screen["state"] == "manager_review" and screen["editable"] is False
    assert flags(screen) == dict.fromkeys(DATES, (False, True))  # the rule applies, the state still locks
    reviewer = await api(DOCUMENT_SCREEN, {"id": document["id"], "d": LEAVE}, user="bob")
    assert all(c["readOnly"] for c in controls(reviewer["data"]["document"]["screen"]["root"]))


async def test_screen_data_that_is_not_an_object_is_refused_with_a_clear_error(api, demo, circuit):
    draft = (await circuit.create())["document"]
    for query, variables in [
        ('query($d: JSON) { documentType(key: "purchase_request") { screen(data: $d) } }', {"d": [1, 2]}),
        ("query($id: ID!, $d: JSON) { document(id: $id) { screen(data: $d) } }", {"id": draft["id"], "d": "title"}),
    ]:
        body = await api(query, variables, user="alice")
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["message"].startswith("screen(data:) must be a JSON object")
        assert json.dumps(variables["d"]) in error["message"]


async def test_a_rule_on_a_total_sees_the_total_live_and_on_save(api, demo):
    """Justification shown from 5,000 € HT: the total is computed, never sent by the client."""
    parts = read_template(TEMPLATES / "purchase_request")
    ui = copy.deepcopy(parts["ui.json"])
    justification = ui["elements"][0]["elements"][3]
    justification["rule"] = {"effect": "SHOW",
                             "condition": {"scope": "#/properties/total_ht", "schema": {"minimum": 5000}}}
    meta = parts["type.json"]
    await publish(organisation_id=demo, key=meta["key"], name=meta["name"], category=meta["category"],
                  number_prefix=meta["number_prefix"], json_schema=parts["schema.json"], ui_schema=ui,
                  workflow=parts["workflow.json"], permissions=meta["permissions"])
    query = 'query($d: JSON) { documentType(key: "purchase_request") { screen(data: $d) } }'
    for total, shown in [(6000, True), (800, False)]:
        screen = (await api(query, {"d": request_data(total_ht=total)}, user="alice"))["data"]["documentType"]
        [control] = [c for c in controls(screen["screen"]["root"]) if c["pointer"] == "/justification"]
        assert control["visible"] is shown, total
    body = await api(CREATE, {"input": {"documentType": "purchase_request",
                                        "data": request_data(total_ht=6000)}}, user="alice")
    assert body["data"]["createDocument"]["__typename"] == "DocumentPayload", body
