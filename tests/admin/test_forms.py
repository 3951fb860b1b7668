"""The back-office's custom forms, called as piccolo-admin calls them."""

import pytest
from piccolo.apps.user.tables import BaseUser

from admin.forms import (
    CatalogImport,
    NewUser,
    RoleChange,
    TemplateInstall,
    catalog_import,
    change_role,
    new_user,
    template_install,
)
from models.catalog_import import CatalogImportError, parse_rows
from models.tables import CatalogEntry, DocumentTypeVersion, RoleAssignment
from models.viewers import grants_of

pytestmark = pytest.mark.usefixtures("demo")

SUPPLIERS = (
    "code,label,email,siren\n"
    "DELTA,Delta Bureautique,contact@delta.example,123456782\n"
    "ACME,ACME SA,new@acme.example,\n"
)


async def test_csv_import_adds_and_updates_entries():
    form = CatalogImport(organisation="demo", catalog="suppliers", csv_lines=SUPPLIERS.splitlines())
    message = await catalog_import(None, form)
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


async def test_a_bad_csv_imports_nothing():
    before = await CatalogEntry.count()
    with pytest.raises(ValueError, match="line 3"):
        await catalog_import(None, CatalogImport(organisation="demo", catalog="suppliers",
                                                 csv_lines=["code,label", "NEW,New one", ",missing"]))
    assert await CatalogEntry.count() == before


async def test_user_with_scoped_roles_then_revoked(demo):
    await new_user(None, NewUser(organisation="demo", username="olga", email="olga@demo.example",
                                 password="long enough", roles=["service_manager:department=FIN", "requester"]))
    olga = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "olga").first())["id"]
    grants = {(g.role, tuple(sorted((g.scope or {}).items()))) for g in await grants_of(olga, demo)}
    assert grants == {("service_manager", (("department", "FIN"),)), ("requester", ())}
    await change_role(None, RoleChange(organisation="demo", username="olga", role="requester", revoke=True))
    assert await RoleAssignment.count().where(RoleAssignment.user == olga) == 1
    with pytest.raises(ValueError, match="unknown role 'pope'"):
        await change_role(None, RoleChange(organisation="demo", username="olga", role="pope"))


async def test_template_install_publishes_a_new_version():
    before = await DocumentTypeVersion.count()
    message = await template_install(None, TemplateInstall(organisation="demo", template="purchase_request"))
    assert message == "Purchase request installed as version 2."
    assert await DocumentTypeVersion.count() == before + 1
    with pytest.raises(ValueError, match="no template folder"):
        await template_install(None, TemplateInstall(organisation="demo", template="nothing_here"))
