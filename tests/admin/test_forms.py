"""The back-office's custom forms, called as piccolo-admin calls them."""

import pytest
from piccolo.apps.user.tables import BaseUser

from admin.forms import (
    CatalogImport,
    NewUser,
    RoleChange,
    TemplateInstall,
    TokenRevocation,
    catalog_import,
    change_role,
    new_user,
    revoke_api_token,
    template_install,
)
from admin.tenancy import AdministeredOrganisation
from models.catalog_import import CatalogImportError, parse_rows
from models.tables import ApiToken, CatalogEntry, DocumentTypeVersion, RoleAssignment
from models.viewers import check_password, grants_of, hash_token

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def organisation(demo) -> AdministeredOrganisation:
    """What the forms act on: the demo organisation (as an organisation administrator's are)."""
    return AdministeredOrganisation(demo, "demo")

SUPPLIERS = (
    "code,label,email,siren\n"
    "DELTA,Delta Bureautique,contact@delta.example,123456782\n"
    "ACME,ACME SA,new@acme.example,\n"
)


async def test_csv_import_adds_and_updates_entries(organisation):
    form = CatalogImport(catalog="suppliers", csv_lines=SUPPLIERS.splitlines())
    message = await catalog_import(organisation, form)
    assert message == "2 entries imported into suppliers"
    delta = await CatalogEntry.select().where(CatalogEntry.code == "DELTA").first()
    assert delta["label"] == "Delta Bureautique" and "contact@delta.example" in str(delta["extra"])


def test_csv_errors_are_reported_by_line():
    bad = "code,label\n,No code\nOK,\nDUP,One\nDUP,Two\nba d,Space\n"
    with pytest.raises(CatalogImportError) as error:
        parse_rows(bad)
    text = str(error.value)
    for expected in ("line 2: code is empty", "line 3: label is empty", "line 5: code 'DUP' already on line 4",
                     "line 6: code 'ba d'"):
        assert expected in text
    with pytest.raises(CatalogImportError, match="line 1: the header must name 'code' and 'label'"):
        parse_rows("name,email\nx,y\n")


async def test_a_bad_csv_imports_nothing(organisation):
    before = await CatalogEntry.count()
    with pytest.raises(ValueError, match="line 3"):
        await catalog_import(organisation, CatalogImport(catalog="suppliers",
                                                 csv_lines=["code,label", "NEW,New one", ",missing"]))
    assert await CatalogEntry.count() == before


async def test_user_with_scoped_roles_then_revoked(demo, organisation):
    message = await new_user(organisation, NewUser(username="olga", email="olga@demo.example",
                                                   roles=["service_manager:department=FIN", "requester"]))
    password = message.split("shown once: ")[1].split()[0]
    olga = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "olga").first())["id"]
    assert await check_password("olga", password) == olga and len(password) >= 16
    grants = {(g.role, tuple(sorted((g.scope or {}).items()))) for g in await grants_of(olga, demo)}
    assert grants == {("service_manager", (("department", "FIN"),)), ("requester", ())}
    await change_role(organisation, RoleChange(username="olga", role="requester", revoke=True))
    assert await RoleAssignment.count().where(RoleAssignment.user == olga) == 1
    with pytest.raises(ValueError, match="unknown role 'pope'"):
        await change_role(organisation, RoleChange(username="olga", role="pope"))


async def test_template_install_publishes_a_new_version(organisation):
    before = await DocumentTypeVersion.count()
    message = await template_install(organisation, TemplateInstall(template="purchase_request"))
    assert message == "Purchase request installed as version 2."
    assert await DocumentTypeVersion.count() == before + 1
    with pytest.raises(ValueError, match="no template folder"):
        await template_install(organisation, TemplateInstall(template="nothing_here"))


async def test_revoking_a_token_stops_it_at_once(api, organisation):
    token = await api.token("alice")
    row = await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token)).first()
    other = AdministeredOrganisation(organisation.id + 1000, "elsewhere")
    with pytest.raises(ValueError, match="not a token of elsewhere"):
        await revoke_api_token(other, TokenRevocation(token_id=row["id"]))
    assert (await api("{ viewer { username } }", token=token))["data"]["viewer"] == {"username": "alice"}
    assert "revoked" in await revoke_api_token(organisation, TokenRevocation(token_id=row["id"]))
    assert (await api("{ viewer { username } }", token=token))["data"]["viewer"] is None
