"""Organisation administrators in /admin/ see and change only their organisation's rows."""

import pytest
from piccolo.apps.user.tables import BaseUser

from models.accounts import create_user
from models.catalogs import ensure_catalog, put_entry
from models.tables import Catalog, CatalogEntry, Membership, Organisation, Role
from tests.admin.test_site import login

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
async def beta() -> dict:
    """Organisation "beta" with a catalog, and "bart" who administers it (not a platform admin)."""
    organisation = Organisation(slug="beta", name="Beta Logistics SARL")
    await organisation.save()
    await Role.insert(Role(organisation=organisation.id, key="requester", label="Requester"))
    suppliers = await ensure_catalog(organisation.id, "suppliers", "Suppliers")
    await put_entry(organisation.id, suppliers, "ZETA", "Zeta Transports")
    await create_user(organisation_slug="beta", username="bart", email="bart@beta.example",
                      password="beta-secret-1", display_name="Bart", roles=[], is_admin=True)
    return {"id": organisation.id, "suppliers": suppliers}


async def demo_ids(demo: int) -> tuple[int, int]:
    """A catalog and one of its entries in the demo organisation."""
    entry = await CatalogEntry.select(CatalogEntry.id, CatalogEntry.catalog).where(
        CatalogEntry.organisation == demo).first()
    return entry["catalog"], entry["id"]


def csrf(api) -> dict:
    return {"X-CSRFToken": api.http.cookies.get("csrftoken") or ""}


async def test_listings_counts_and_pickers_hold_only_the_organisation(api, beta, demo):
    assert (await login(api.http, "bart", "beta-secret-1")).status_code == 200
    tables = (await api.http.get("/admin/api/tables/")).json()
    assert "catalog_entry" in tables and "piccolo_user" not in tables
    forged = "/admin/api/tables/catalog_entry/?organisation={}&organisation__operator=gte&__page_size=100"
    rows = (await api.http.get(forged.format(demo))).json()["rows"]
    assert [(r["organisation"], r["code"]) for r in rows] == [(beta["id"], "ZETA")]
    count = (await api.http.get(f"/admin/api/tables/catalog_entry/count/?organisation={demo}")).json()
    assert count["count"] == 1
    organisations = (await api.http.get("/admin/api/tables/organisation/?__page_size=100")).json()["rows"]
    assert [o["slug"] for o in organisations] == ["beta"]
    users = (await api.http.get("/admin/api/tables/piccolo_user/ids/?search=")).json()
    assert list(users.values()) == ["bart"]
    catalogs = (await api.http.get("/admin/api/tables/catalog/ids/")).json()
    assert list(catalogs) == [str(beta["suppliers"])]
    assert (await api.http.get("/admin/api/tables/piccolo_user/")).status_code == 404


async def test_another_organisations_row_is_unreachable_and_unchanged(api, beta, demo):
    await login(api.http, "bart", "beta-secret-1")
    _, entry = await demo_ids(demo)
    before = await CatalogEntry.select().where(CatalogEntry.id == entry).first()
    url = f"/admin/api/tables/catalog_entry/{entry}/"
    assert (await api.http.get(url)).status_code == 404
    patched = await api.http.patch(url, json={"label": "hijacked"}, headers=csrf(api))
    assert patched.status_code == 404 and "no catalog_entry row" in patched.text
    assert (await api.http.delete(url, headers=csrf(api))).status_code == 404
    assert await CatalogEntry.select().where(CatalogEntry.id == entry).first() == before


async def test_writes_are_pinned_to_the_organisation_and_its_rows(api, beta, demo):
    await login(api.http, "bart", "beta-secret-1")
    demo_catalog, _ = await demo_ids(demo)
    before = await CatalogEntry.count()
    url = "/admin/api/tables/catalog_entry/"
    foreign = await api.http.post(url, json={"catalog": demo_catalog, "code": "X", "label": "X", "active": True,
                                             "extra": "{}"}, headers=csrf(api))
    assert foreign.status_code == 403 and "catalog" in foreign.json()["detail"]
    other = await api.http.post(url, json={"organisation": demo, "catalog": beta["suppliers"], "code": "X",
                                           "label": "X", "active": True, "extra": "{}"}, headers=csrf(api))
    assert other.status_code == 403
    assert await CatalogEntry.count() == before
    created = await api.http.post(url, json={"catalog": beta["suppliers"], "code": "YPSILON", "label": "Ypsilon",
                                             "active": True, "extra": "{}"}, headers=csrf(api))
    assert created.status_code == 201, created.text
    row = await CatalogEntry.select().where(CatalogEntry.code == "YPSILON").first()
    assert row["organisation"] == beta["id"]
    moved = await api.http.patch(f"{url}{row['id']}/", json={"catalog": demo_catalog}, headers=csrf(api))
    assert moved.status_code == 403
    assert (await CatalogEntry.select().where(CatalogEntry.id == row["id"]).first())["catalog"] == beta["suppliers"]


async def test_the_organisation_row_itself_is_read_only_for_its_administrator(api, beta):
    await login(api.http, "bart", "beta-secret-1")
    refused = await api.http.patch(f"/admin/api/tables/organisation/{beta['id']}/", json={"flux_quota": None},
                                   headers=csrf(api))
    assert refused.status_code == 405 and "platform administrators" in refused.text


async def test_forms_act_on_the_administered_organisation(api, beta):
    await login(api.http, "bart", "beta-secret-1")
    schema = (await api.http.get("/admin/api/forms/create-a-user/schema/")).json()
    assert "organisation" not in schema["properties"] and "password" not in schema["properties"]
    answer = await api.http.post("/admin/api/forms/create-a-user/", headers=csrf(api),
                                 json={"username": "bella", "email": "bella@beta.example", "roles": ["requester"]})
    assert answer.status_code == 200, answer.text
    assert "shown once" in answer.json()["custom_form_success"]
    bella = await BaseUser.select(BaseUser.id).where(BaseUser.username == "bella").first()
    memberships = await Membership.select(Membership.organisation).where(Membership.user == bella["id"])
    assert memberships == [{"organisation": beta["id"]}]


async def test_platform_administrators_see_every_organisation(api, beta, demo):
    await login(api.http, "admin")
    rows = (await api.http.get("/admin/api/tables/catalog_entry/?__page_size=100")).json()["rows"]
    assert {r["organisation"] for r in rows} == {demo, beta["id"]}
    schema = (await api.http.get("/admin/api/forms/create-a-user/schema/")).json()
    assert list(schema["properties"])[0] == "organisation"


async def test_a_back_office_user_who_administers_nothing_is_refused(api, beta):
    await create_user(organisation_slug="beta", username="bob2", email="bob2@beta.example",
                      password="beta-secret-2", display_name="Bob", roles=[])
    await BaseUser.update({BaseUser.admin: True}).where(BaseUser.username == "bob2")
    await login(api.http, "bob2", "beta-secret-2")
    refused = await api.http.get("/admin/api/tables/")
    assert refused.status_code == 403 and "administer no organisation" in refused.text
    assert await Catalog.count() >= 2  # nothing was touched


async def test_the_admin_session_signs_in_to_the_graphql_api(api, beta):
    await login(api.http, "bart", "beta-secret-1")
    viewer = await api("{ viewer { username isAdmin organization { name } } }")
    assert viewer["data"]["viewer"] == {"username": "bart", "isAdmin": True,
                                        "organization": {"name": "Beta Logistics SARL"}}
    await api("mutation { logout }")
    assert (await api.http.get("/admin/api/tables/")).status_code == 401
    assert (await api("{ viewer { username } }"))["data"]["viewer"] is None


async def test_a_member_made_administrator_in_the_back_office_may_sign_in_then_loses_it(api, beta):
    await create_user(organisation_slug="beta", username="bea", email="bea@beta.example",
                      password="beta-secret-3", display_name="Bea", roles=[])
    bea = await Membership.select(Membership.id).where(Membership.user.username == "bea").first()
    await login(api.http, "bart", "beta-secret-1")
    url = f"/admin/api/tables/membership/{bea['id']}/"
    promoted = await api.http.patch(url, json={"is_admin": True}, headers=csrf(api))
    assert promoted.status_code == 200, promoted.text
    api.http.cookies.clear()
    await login(api.http, "bea", "beta-secret-3")
    assert "catalog_entry" in (await api.http.get("/admin/api/tables/")).json()
    await Membership.update({Membership.is_admin: False}).where(Membership.id == bea["id"])
    assert (await api.http.get("/admin/api/tables/")).status_code == 403
