"""Protective headers on every route family, and the Origin check for cookie sessions."""

import base64
import hashlib

import httpx
import pytest
from lxml import html

from parapheur.app import STATIC, create_app
from parapheur.settings import Settings

ROUTES = [("GET", "/", "text/html"), ("GET", "/widgets/parapheur.js", "*/*"), ("GET", "/admin/", "text/html"),
          ("GET", "/admin/designer/", "text/html"), ("GET", "/graphql", "text/html"),
          ("POST", "/graphql", "application/json"), ("GET", "/health", "*/*"), ("GET", "/attachments/1", "*/*"),
          ("GET", "/nowhere", "*/*")]


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.sqlite", cors_origins=("https://intranet.example",))


@pytest.mark.parametrize(("method", "path", "accept"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_every_route_family_gets_the_protective_headers(api, method, path, accept):
    response = await api.http.request(method, path, headers={"Accept": accept},
                                      json={"query": "{ viewer { username } }"} if method == "POST" else None)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    if path == "/" or path.startswith("/widgets/"):  # embedded by the configured origins
        assert csp["frame-ancestors"] == ["'self'", "https://intranet.example"]
        assert "X-Frame-Options" not in response.headers
    else:
        assert csp["frame-ancestors"] == ["'self'"]
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


async def test_the_portal_csp_allows_exactly_its_inline_script(api):
    page = await api.http.get("/")
    inline = [s.text for s in html.fromstring(page.content).iter("script") if not s.get("src")]
    assert inline
    expected = {f"'sha256-{base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()}'" for t in inline}
    sources = directives(page.headers["Content-Security-Policy"])["script-src"]
    assert expected <= set(sources)
    assert [s for s in sources if s.startswith("'sha256-")] == sorted(expected, key=sources.index)
    assert (STATIC / "portal.html").read_bytes() == page.content


async def test_graphiql_may_load_its_cdn_assets_and_nothing_else_foreign(api):
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    hosts = {src.split("/")[2] for src in html.fromstring(page.content).xpath("//script/@src | //link/@href")
             if src.startswith("https://")}
    csp = directives(page.headers["Content-Security-Policy"])
    for host in hosts:
        assert f"https://{host}" in csp["script-src"]
    assert csp["connect-src"] == ["'self'"]


VIEWER = {"query": "mutation { logout }"}


async def test_a_foreign_origin_cannot_ride_on_the_session_cookie(api):
    login = await api.post('mutation { login(username: "alice", password: "demo", sessionCookie: true) '
                           "{ __typename } }")
    assert login.json()["data"]["login"]["__typename"] == "LoginSuccess"
    assert api.http.cookies.get("parapheur_session")
    foreign = await api.http.post("/graphql", json={"query": "{ viewer { username } }"},
                                  headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    error = foreign.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN_ORIGIN" and "https://evil.example" in error["message"]
    own = await api.http.post("/graphql", json={"query": "{ viewer { username } }"},
                              headers={"Origin": "http://parapheur.test"})
    assert own.json()["data"]["viewer"]["username"] == "alice"
    configured_public = await api.http.post("/graphql", json={"query": "{ viewer { username } }"},
                                            headers={"Origin": "http://127.0.0.1:8000"})
    assert configured_public.status_code == 200


async def test_a_bearer_token_works_from_any_origin(api):
    token = await api.token("bob")
    app = create_app(Settings(database_url="sqlite:///unused.sqlite"), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://parapheur.test") as http:
        response = await http.post("/graphql", json={"query": "{ viewer { username } }"},
                                   headers={"Origin": "https://intranet.example", "Authorization": f"Bearer {token}"})
    assert response.json()["data"]["viewer"]["username"] == "bob"
