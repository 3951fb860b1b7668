"""The portal's session cookie, logout, catalog search, CORS for embedding pages."""

from datetime import timedelta

import httpx
import pytest

from models.catalogs import ensure_catalog, put_entry
from models.tables import Partner
from models.viewers import issue_token
from parapheur.app import create_app
from parapheur.settings import Settings

pytestmark = pytest.mark.usefixtures("demo")

LOGIN = 'mutation { login(username: "alice", password: "demo", sessionCookie: true) { __typename } }'


async def test_session_cookie_is_httponly_strict_and_authenticates(api):
    response = await api.http.post("/graphql", json={"query": LOGIN})
    cookie = response.headers["set-cookie"]
    assert "parapheur_session=pph_" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    viewer = await api.http.post("/graphql", json={"query": "{ viewer { username } }"})
    assert viewer.json()["data"]["viewer"] == {"username": "alice"}


async def test_logout_revokes_the_token_and_clears_the_cookie(api):
    await api.http.post("/graphql", json={"query": LOGIN})
    out = await api.http.post("/graphql", json={"query": "mutation { logout }"})
    assert out.json()["data"]["logout"] is True
    assert 'parapheur_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    api.http.cookies.clear()
    token = await api.token("bob")
    await api.post("mutation { logout }", token=token)
    after = (await api.post("{ inbox { totalCount } }", token=token)).json()
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_catalog_search_finds_active_entries_by_code_or_label(api):
    body = await api('{ catalogEntries(catalog: "suppliers", search: "buro") { code label extra } }', user="alice")
    [entry] = body["data"]["catalogEntries"]
    assert entry["code"] == "BUROTIC" and entry["extra"]["email"] == "commandes@burotic.example"
    everything = await api('{ catalogEntries(catalog: "departments") { code } }', user="alice")
    assert [e["code"] for e in everything["data"]["catalogEntries"]] == ["FIN", "IT", "OPS"]


async def test_cors_allows_only_listed_origins():
    settings = Settings(database_url="sqlite:///unused.sqlite", cors_origins=("https://intranet.example",))
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://parapheur.test") as http:
        allowed = await http.options("/graphql", headers={"Origin": "https://intranet.example",
                                                           "Access-Control-Request-Method": "POST"})
        refused = await http.options("/graphql", headers={"Origin": "https://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
    assert "access-control-allow-origin" not in refused.headers


async def test_portal_page_and_widgets_are_served(api):
    page = await api.http.get("/")
    assert page.status_code == 200 and "/widgets/parapheur.js" in page.text
    script = await api.http.get("/widgets/parapheur.js")
    assert script.status_code == 200


CHANGE = """mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename ... on PasswordChanged { message } ... on PasswordRejected { message } } }"""


async def test_change_password_checks_the_current_one_and_ends_other_sessions(api):
    other_session = await api.token("carol")
    api.tokens.clear()
    mine = await api.token("carol")
    for current, new, why in [("wrong", "a-new-long-secret", "current password is wrong"),
                              ("demo", "short", "too short"), ("demo", "demo", "must differ")]:
        answer = (await api(CHANGE, {"current": current, "new": new}, token=mine))["data"]["changePassword"]
        assert answer["__typename"] == "PasswordRejected" and why in answer["message"], answer
    changed = (await api(CHANGE, {"current": "demo", "new": "a-new-long-secret"}, token=mine))["data"]
    assert changed["changePassword"]["__typename"] == "PasswordChanged"
    assert (await api("{ viewer { username } }", token=mine))["data"]["viewer"] == {"username": "carol"}
    assert (await api("{ viewer { username } }", token=other_session))["data"]["viewer"] is None
    api.tokens.clear()
    assert await api.token("carol", "a-new-long-secret")
    old = await api('mutation { login(username: "carol", password: "demo") { __typename } }')
    assert old["data"]["login"]["__typename"] == "LoginFailed"


async def test_a_partner_token_has_no_password_to_change(api, demo):
    partner = await Partner.select(Partner.id).where(Partner.organisation == demo).first()
    token = await issue_token(organisation_id=demo, partner_id=partner["id"], lifetime=timedelta(hours=1))
    body = await api(CHANGE, {"current": "x", "new": "y" * 12}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_catalog_search_folds_the_case_of_accented_letters(api, demo):
    suppliers = await ensure_catalog(demo, "suppliers", "Suppliers")
    await put_entry(demo, suppliers, "ELEC", "Électricité Générale")
    for text in ("électricité", "ÉLECTRICITÉ", "elec"):
        body = await api('query($s: String) { catalogEntries(catalog: "suppliers", search: $s) { code } }',
                         {"s": text}, user="alice")
        assert [e["code"] for e in body["data"]["catalogEntries"]] == ["ELEC"], text
