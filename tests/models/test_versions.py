"""Published document type versions are immutable; a new version changes new documents only,
and a broken definition is rejected with every problem located, before anything is written."""

import copy
from typing import Any

import pytest

from models.document_types import DefinitionRejected, forget_cache, publish, version_by_id
from models.tables import DocumentType, DocumentTypeVersion
from models.templates import read_template
from tests.circuit import UPDATE, request_data
from tests.conftest import TEMPLATES

pytestmark = pytest.mark.usefixtures("demo")

PINNED = "query($id: ID!) { document(id: $id) { state typeVersion documentType { version } } }"


def _template() -> dict[str, Any]:
    return read_template(TEMPLATES / "purchase_request")


async def _publish(organisation_id: int, **changes: Any):
    """Publish purchase_request again with `changes` applied to its parts."""
    parts = copy.deepcopy(_template())
    meta = parts["type.json"]
    definition = {
        "organisation_id": organisation_id,
        "key": meta["key"],
        "name": meta["name"],
        "category": meta["category"],
        "number_prefix": meta["number_prefix"],
        "json_schema": parts["schema.json"],
        "ui_schema": parts["ui.json"],
        "workflow": parts["workflow.json"],
        "permissions": meta["permissions"],
    }
    definition.update(changes)
    return await publish(**definition)


def _second_version() -> dict[str, Any]:
    """v2: an optional cost centre, and auto-approval up to 1,000 instead of 500."""
    parts = copy.deepcopy(_template())
    schema, ui, workflow = parts["schema.json"], parts["ui.json"], parts["workflow.json"]
    schema["properties"]["cost_center"] = {"type": "string", "title": "Cost centre", "maxLength": 20}
    ui["elements"][0]["elements"].append({"type": "Control", "scope": "#/properties/cost_center"})
    workflow["parameters"]["auto_approval_limit"] = 1000.0
    return {"json_schema": schema, "ui_schema": ui, "workflow": workflow}


async def _state(api, document_id: str) -> dict:
    body = await api(PINNED, {"id": document_id}, user="alice")
    return body["data"]["document"]


DEMO_TYPES = ["customer_invoice", "purchase_order", "purchase_request"]


async def test_database_refuses_to_change_or_delete_a_published_version(demo):
    assert await DocumentTypeVersion.count() == len(DEMO_TYPES)
    with pytest.raises(Exception, match="immutable"):
        await DocumentTypeVersion.update({DocumentTypeVersion.workflow: "{}"}).where(
            DocumentTypeVersion.organisation == demo
        )
    with pytest.raises(Exception, match="immutable"):
        await DocumentTypeVersion.delete().where(DocumentTypeVersion.organisation == demo)
    row = await DocumentTypeVersion.select(DocumentTypeVersion.workflow).first()
    assert row["workflow"] != "{}"
    assert await DocumentTypeVersion.count() == len(DEMO_TYPES)


async def test_new_version_applies_to_new_documents_only(api, circuit, demo):
    old_draft = (await circuit.create(total_ht=800))["document"]
    old_submitted = await circuit.submitted(total_ht=800)
    published = await _publish(demo, **_second_version())
    assert published.version == 2

    new = await circuit.submitted(total_ht=800)
    assert new["state"] == "approved"  # v2 auto-approves up to 1,000
    assert await _state(api, new["id"]) == {
        "state": "approved", "typeVersion": 2, "documentType": {"version": 2}
    }
    # the old ones keep the rules they were created with
    assert await _state(api, old_submitted["id"]) == {
        "state": "service_review", "typeVersion": 1, "documentType": {"version": 2}
    }
    submitted_late = await circuit.act("alice", old_draft["id"], "submit")
    assert submitted_late["document"]["state"] == "service_review"
    approved = await circuit.approved_by("bob", old_submitted["id"])
    assert approved["state"] == "approved"
    assert (await _state(api, old_draft["id"]))["typeVersion"] == 1


async def test_new_field_is_accepted_by_new_documents_only(api, circuit, demo):
    old_draft = (await circuit.create())["document"]
    await _publish(demo, **_second_version())
    created = await circuit.create(cost_center="CC-42")
    assert created["__typename"] == "DocumentPayload", created
    assert created["document"]["data"]["cost_center"] == "CC-42"
    body = await api(UPDATE, {"input": {"id": old_draft["id"], "expectedVersion": old_draft["version"],
                                        "data": request_data(cost_center="CC-42")}}, user="alice")
    refused = body["data"]["updateDocument"]
    assert refused["__typename"] == "ValidationFailed"
    assert [e["path"] for e in refused["errors"]] == [""]
    assert "cost_center" in refused["errors"][0]["message"]


async def test_document_type_reports_the_current_version(api, demo):
    query = '{ documentTypes { key version } documentType(key: "purchase_request") { version jsonSchema } }'
    before = await api(query, user="alice")
    assert before["data"]["documentTypes"] == [{"key": key, "version": 1} for key in DEMO_TYPES]
    await _publish(demo, **_second_version())
    after = await api(query, user="alice")
    assert after["data"]["documentTypes"] == [
        {"key": key, "version": 2 if key == "purchase_request" else 1} for key in DEMO_TYPES]
    assert after["data"]["documentType"]["version"] == 2
    assert "cost_center" in after["data"]["documentType"]["jsonSchema"]["properties"]


async def test_broken_definition_is_rejected_with_every_problem_located(demo):
    parts = _second_version()
    parts["workflow"]["transitions"][2]["when"] = "totl_ht < params.service_limit"
    parts["ui_schema"]["elements"][0]["elements"][0]["elements"][0]["scope"] = "#/properties/titel"
    with pytest.raises(DefinitionRejected) as rejected:
        await _publish(demo, **parts)
    problems = rejected.value.problems
    wheres = [p["where"] for p in problems]
    assert "ui:/elements/0/elements/0/elements/0/scope" in wheres, problems
    assert any(w.startswith("workflow:/transitions/2") for w in wheres), problems
    cel = next(p for p in problems if p["where"].startswith("workflow:/transitions/2"))
    assert "totl_ht" in cel["message"]
    assert "titel" in str(rejected.value)
    assert await DocumentTypeVersion.count() == len(DEMO_TYPES)
    current = await DocumentType.select(DocumentType.current_version).where(
        DocumentType.key == "purchase_request").first()
    assert current["current_version"] == 1


async def test_rejected_first_publish_creates_no_type(demo):
    parts = _second_version()
    parts["workflow"]["states"]["draft"]["assignees"] = [{"role": "buyer"}]
    with pytest.raises(DefinitionRejected) as rejected:
        await _publish(demo, key="supply_request", number_prefix="SR", **parts)
    assert any("buyer" in p["message"] for p in rejected.value.problems), rejected.value.problems
    assert await DocumentType.count() == len(DEMO_TYPES)
    assert await DocumentTypeVersion.count() == len(DEMO_TYPES)


async def test_a_version_keeps_the_name_and_number_prefix_it_was_published_with(demo):
    first = await _publish(demo, name="Demande d'achat", number_prefix="DA")
    second = await _publish(demo, name="Purchase request", number_prefix="PR")
    forget_cache()  # another process, or this one after a restart, reads them from the database
    again = await version_by_id(first.id, demo)
    assert (again.name, again.number_prefix) == ("Demande d'achat", "DA")
    latest = await version_by_id(second.id, demo)
    assert (latest.name, latest.number_prefix) == ("Purchase request", "PR")
