"""The back-office mount: only piccolo admins log in; audit tables refuse writes."""

import pytest

from models.sessions import HashedSessions
from models.viewers import hash_token

pytestmark = pytest.mark.usefixtures("demo")


async def login(http, username: str, password: str = "demo"):
    page = await http.get("/admin/")
    assert page.status_code == 200
    csrf = http.cookies.get("csrftoken")
    return await http.post("/admin/public/login/", json={"username": username, "password": password},
                           headers={"X-CSRFToken": csrf or ""})


async def test_admin_logs_in_and_sees_every_table(api):
    response = await login(api.http, "admin")
    assert response.status_code in (200, 303), response.text
    tables = await api.http.get("/admin/api/tables/")
    assert tables.status_code == 200, tables.text
    names = set(tables.json())
    assert {"document", "history_entry", "outbox_job", "catalog_entry", "role_assignment"} <= names


async def test_a_non_admin_cannot_log_in(api):
    await login(api.http, "alice")
    refused = await api.http.get("/admin/api/tables/")
    assert refused.status_code in (401, 403), refused.text


async def test_history_is_read_only_in_the_admin(api, circuit):
    await circuit.submitted(total_ht=800)
    await login(api.http, "admin")
    csrf = api.http.cookies.get("csrftoken") or ""
    rows = await api.http.get("/admin/api/tables/history_entry/")
    assert rows.status_code == 200 and rows.json()["rows"]
    entry = rows.json()["rows"][0]["id"]
    changed = await api.http.patch(f"/admin/api/tables/history_entry/{entry}/", json={"comment": "rewritten"},
                                   headers={"X-CSRFToken": csrf})
    assert changed.status_code == 405
    assert "immutable" in changed.text
    deleted = await api.http.delete(f"/admin/api/tables/history_entry/{entry}/", headers={"X-CSRFToken": csrf})
    assert deleted.status_code == 405


async def test_the_back_office_speaks_french_and_english(api):
    languages = (await api.http.get("/admin/public/translations/")).json()
    assert sorted(t["language_code"] for t in languages["translations"]) == ["en", "fr"]
    french = (await api.http.get("/admin/public/translations/fr/")).json()["translations"]
    assert french["Login"] == "Connexion" and french["Forms"] == "Formulaires"


async def test_sessions_are_stored_as_hashes_of_their_cookie(api):
    await login(api.http, "admin")
    cookie = api.http.cookies.get("id")
    stored = [row["token"] for row in await HashedSessions.select(HashedSessions.token)]
    assert cookie and cookie not in stored and hash_token(cookie) in stored
    assert (await api.http.get("/admin/api/tables/")).status_code == 200
    csrf = api.http.cookies.get("csrftoken") or ""
    await api.http.post("/admin/public/logout/", headers={"X-CSRFToken": csrf})
    assert hash_token(cookie) not in [row["token"] for row in await HashedSessions.select(HashedSessions.token)]


async def test_document_types_change_only_by_publishing(api):
    await login(api.http, "admin")
    [row] = (await api.http.get("/admin/api/tables/document_type/?key=purchase_request")).json()["rows"]
    refused = await api.http.patch(f"/admin/api/tables/document_type/{row['id']}/", json={"number_prefix": "XX"},
                                   headers={"X-CSRFToken": api.http.cookies.get("csrftoken") or ""})
    assert refused.status_code == 405 and "designer" in refused.text


@pytest.mark.parametrize("table, reason", [("document", "workflow"), ("api_token", "Revoke an API token"),
                                           ("outbox_job", "Retry a failed job")])
async def test_rows_that_only_their_process_may_change_are_read_only(api, circuit, table, reason):
    document = await circuit.submitted(total_ht=800)
    await circuit.approved_by("bob", document["id"])  # approved: the purchase order job is queued
    await login(api.http, "admin")
    rows = (await api.http.get(f"/admin/api/tables/{table}/")).json()["rows"]
    assert rows, f"no {table} row to try"
    csrf = {"X-CSRFToken": api.http.cookies.get("csrftoken") or ""}
    changed = await api.http.patch(f"/admin/api/tables/{table}/{rows[0]['id']}/", json={"organisation": 1},
                                   headers=csrf)
    assert changed.status_code == 405 and reason in changed.text
    deleted = await api.http.delete(f"/admin/api/tables/{table}/{rows[0]['id']}/", headers=csrf)
    assert deleted.status_code == 405
