"""Invalid data is refused with every field error at once and writes nothing; computed fields
are the server's; updates follow the same rules plus versions and edit rights."""

from tests.circuit import CREATE, UPDATE, request_data

COUNT = "{ documents { totalCount } }"


def _broken() -> dict:
    data = request_data(
        supplier="NOPE",
        needed_by="2026-13-45",
        lines=[
            {"description": "Laptop", "quantity": 0, "unit_price": 100, "vat_rate": 20},
            {"description": "Dock", "quantity": 1, "unit_price": 50, "vat_rate": 7},
            {"description": "Mouse", "quantity": 1, "unit_price": "cheap", "vat_rate": 20},
        ],
    )
    del data["title"]
    return data


async def _create(api, data, user: str = "alice", submit: bool = False) -> dict:
    body = await api(CREATE, {"input": {"documentType": "purchase_request", "data": data, "submit": submit}},
                     user=user)
    assert "errors" not in body, body
    return body["data"]["createDocument"]


async def _update(api, document_id: str, expected_version: int, data, user: str = "alice") -> dict:
    body = await api(UPDATE, {"input": {"id": document_id, "expectedVersion": expected_version, "data": data}},
                     user=user)
    assert "errors" not in body, body
    return body["data"]["updateDocument"]


async def _document(api, document_id: str) -> dict:
    body = await api("query($id: ID!) { document(id: $id) { state version data history { action } } }",
                     {"id": document_id}, user="admin")
    return body["data"]["document"]


async def test_invalid_data_reports_every_field_error_with_its_pointer(api):
    refused = await _create(api, _broken(), submit=True)
    assert refused["__typename"] == "ValidationFailed"
    paths = [e["path"] for e in refused["errors"]]
    assert set(paths) == {
        "/title",
        "/supplier",
        "/needed_by",
        "/lines/0/quantity",
        "/lines/1/vat_rate",
        "/lines/2/unit_price",
    }, refused["errors"]
    messages = {e["path"]: e["message"] for e in refused["errors"]}
    assert "title" in messages["/title"]
    assert "NOPE" in messages["/supplier"] and "suppliers" in messages["/supplier"]
    assert "date" in messages["/needed_by"]
    assert "number" in messages["/lines/2/unit_price"]


async def test_invalid_data_writes_nothing_and_consumes_no_number(api, circuit):
    refused = await _create(api, _broken())
    assert refused["__typename"] == "ValidationFailed"
    listed = await api(COUNT, user="admin")
    assert listed["data"]["documents"]["totalCount"] == 0
    document = await circuit.submitted()
    assert document["number"].endswith("-00001")


async def test_client_totals_are_replaced_by_the_server_computation(api):
    data = request_data(
        lines=[
            {"description": "Laptop", "quantity": 2, "unit_price": 100.5, "vat_rate": 20, "amount": 1},
            {"description": "Book", "quantity": 3, "unit_price": 10, "vat_rate": 5.5, "amount": 1},
        ],
        total_ht=1,
        total_vat=0,
        total_ttc=1,
    )
    created = await _create(api, data)
    assert created["__typename"] == "DocumentPayload", created
    stored = created["document"]["data"]
    assert [line["amount"] for line in stored["lines"]] == [201, 30]
    assert stored["total_ht"] == 231
    assert stored["total_vat"] == 41.85  # 40.20 + 1.65
    assert stored["total_ttc"] == 272.85


async def test_creator_updates_a_draft(api, circuit):
    draft = (await circuit.create())["document"]
    updated = await _update(api, draft["id"], draft["version"], request_data(total_ht=1234, title="Screens"))
    assert updated["__typename"] == "DocumentPayload", updated
    document = updated["document"]
    assert document["version"] == draft["version"] + 1
    assert document["data"]["title"] == "Screens"
    assert document["data"]["total_ht"] == 1234
    assert [h["action"] for h in document["history"]] == ["create", "update"]
    assert document["history"][-1]["actor"] == "alice"


async def test_update_with_invalid_data_writes_nothing(api, circuit):
    draft = (await circuit.create())["document"]
    refused = await _update(api, draft["id"], draft["version"], _broken())
    assert refused["__typename"] == "ValidationFailed"
    assert {"/title", "/lines/0/quantity"} <= {e["path"] for e in refused["errors"]}
    after = await _document(api, draft["id"])
    assert after["version"] == draft["version"]
    assert after["data"] == draft["data"]
    assert [h["action"] for h in after["history"]] == ["create"]


async def test_update_with_a_stale_version_is_a_conflict(api, circuit):
    draft = (await circuit.create())["document"]
    await _update(api, draft["id"], draft["version"], request_data(title="First edit"))
    stale = await _update(api, draft["id"], draft["version"], request_data(title="Second edit"))
    assert stale["__typename"] == "VersionConflict"
    assert stale["currentVersion"] == draft["version"] + 1
    after = await _document(api, draft["id"])
    assert after["data"]["title"] == "First edit"


async def test_service_manager_sees_but_cannot_edit_a_draft(api, circuit):
    """bob is in the audience of IT requests, so the draft exists for him: the refusal is
    ActionRefused, not NOT_FOUND, and it comes before any look at the data."""
    draft = (await circuit.create())["document"]
    seen = await api("query($id: ID!) { document(id: $id) { id } }", {"id": draft["id"]}, user="bob")
    assert seen["data"]["document"] == {"id": draft["id"]}
    for data in (request_data(title="Hijacked"), _broken(), "not an object"):
        refused = await _update(api, draft["id"], draft["version"], data, user="bob")
        assert refused["__typename"] == "ActionRefused", refused
        assert refused["reason"] == "NOT_PERMITTED"
    after = await _document(api, draft["id"])
    assert (after["version"], after["data"]["title"]) == (draft["version"], draft["data"]["title"])


async def test_nobody_edits_a_document_once_it_left_draft(api, circuit):
    submitted = await circuit.submitted(total_ht=800)
    for user in ("alice", "bob", "admin"):
        refused = await _update(api, submitted["id"], submitted["version"], request_data(title="Late"), user=user)
        assert refused["__typename"] == "ActionRefused", (user, refused)
        assert refused["reason"] == "NOT_AVAILABLE_IN_STATE"
        assert "read-only" in refused["message"]
    after = await _document(api, submitted["id"])
    assert after["version"] == submitted["version"]
    assert "update" not in [h["action"] for h in after["history"]]


async def test_user_who_cannot_see_the_document_gets_not_found_on_update(api, circuit):
    draft = (await circuit.create())["document"]
    body = await api(UPDATE, {"input": {"id": draft["id"], "expectedVersion": draft["version"],
                                        "data": request_data(title="Hijacked")}}, user="paula")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    after = await _document(api, draft["id"])
    assert after["version"] == draft["version"]


async def test_update_without_the_computed_totals_is_not_a_change_to_them(api, circuit, demo):
    """In a state that lists its editable fields, leaving out the computed totals (the server
    recomputes them) is not an edit of them."""
    from models.document_types import publish
    from models.templates import read_template
    from tests.circuit import UPDATE, request_data
    from tests.conftest import TEMPLATES

    parts = read_template(TEMPLATES / "purchase_request")
    parts["workflow.json"]["states"]["draft"]["editable"] = ["title", "justification"]
    meta = parts["type.json"]
    await publish(organisation_id=demo, key=meta["key"], name=meta["name"], category=meta["category"],
                  number_prefix=meta["number_prefix"], json_schema=parts["schema.json"], ui_schema=parts["ui.json"],
                  workflow=parts["workflow.json"], permissions=meta["permissions"])
    from models.documents import create_for_platform

    row = await create_for_platform(demo, "purchase_request", request_data(),
                                    created_by=(await _user_id("alice")))
    document = {"id": str(row.id), "version": row.version}
    data = request_data(title="Renamed")
    body = await api(UPDATE, {"input": {"id": document["id"], "expectedVersion": document["version"],
                                        "data": data}}, user="alice")
    result = body["data"]["updateDocument"]
    assert result["__typename"] == "DocumentPayload", result
    assert result["document"]["data"]["title"] == "Renamed" and result["document"]["data"]["total_ht"] == 1000


async def _user_id(username: str) -> int:
    from piccolo.apps.user.tables import BaseUser

    return (await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first())["id"]
