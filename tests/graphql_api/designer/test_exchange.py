"""Export and import of a document type as one JSON file, on SQLite and PostgreSQL."""

import json

import pytest

from graphql_api.designer.exchange import FORMAT, MAX_BYTES, ExchangeError, export_type, import_type, parse_exported
from models.document_types import DefinitionRejected, current_versions
from models.tables import Catalog, CatalogEntry, Organisation, Role


async def new_organisation(slug: str = "elsewhere") -> int:
    organisation = Organisation(slug=slug, name="Elsewhere SAS")
    await organisation.save()
    return organisation.id


async def entries(organisation_id: int, catalog: str) -> dict[str, str]:
    rows = await CatalogEntry.select(CatalogEntry.code, CatalogEntry.label).where(
        (CatalogEntry.organisation == organisation_id) & (CatalogEntry.catalog.key == catalog)
    )
    return {row["code"]: row["label"] for row in rows}


def definition(exported: dict) -> dict:
    return {key: value for key, value in exported.items() if key not in ("exported_at", "version")}


async def test_export_holds_the_definition_and_every_catalog_the_schema_names(demo):
    exported = await export_type(demo, "purchase_request")

    assert exported["format"] == FORMAT
    assert (exported["key"], exported["name"], exported["number_prefix"], exported["version"]) == (
        "purchase_request", "Purchase request", "DA", 1)
    assert exported["workflow"]["initial"] == "draft"
    assert exported["json_schema"]["properties"]["supplier"]["x-catalog"] == "suppliers"
    assert exported["permissions"]["partner_field"] == "supplier"
    assert sorted(exported["catalogs"]) == ["analytic_codes", "departments", "suppliers"]
    suppliers = exported["catalogs"]["suppliers"]
    assert suppliers["label"] == "Suppliers"
    assert [e["code"] for e in suppliers["entries"]] == ["ACME", "BUROTIC"]
    assert suppliers["entries"][0] == {"code": "ACME", "label": "ACME Fournitures SAS", "active": True, "extra": {
        "name": "ACME Fournitures SAS", "siren": "732829320", "email": "orders@acme.example"}}
    assert "customers" not in exported["catalogs"]
    assert json.loads(json.dumps(exported)) == exported


async def test_round_trip_through_a_fresh_organisation_gives_the_same_definition(demo):
    exported = await export_type(demo, "purchase_request")
    other = await new_organisation()

    published = await import_type(other, parse_exported(json.dumps(exported).encode()))

    assert (published.organisation_id, published.key, published.version) == (other, "purchase_request", 1)
    assert definition(await export_type(other, "purchase_request")) == definition(exported)
    roles = {r["key"] for r in await Role.select(Role.key).where(Role.organisation == other)}
    assert set(exported["workflow"]["roles"]) <= roles
    assert await entries(other, "departments") == {"IT": "Information technology", "OPS": "Operations",
                                                   "FIN": "Finance"}


async def test_importing_into_the_same_organisation_publishes_the_next_version(demo):
    exported = await export_type(demo, "customer_invoice")
    exported["name"] = "Customer invoice (imported)"

    published = await import_type(demo, exported)

    assert published.version == 2
    [current] = await current_versions(demo, "customer_invoice")
    assert (current.id, current.name) == (published.id, "Customer invoice (imported)")
    old = await export_type(demo, "customer_invoice", version=1)
    assert (old["version"], old["workflow"]) == (1, exported["workflow"])


async def test_existing_entries_are_kept_unless_overwriting_is_asked(demo):
    exported = await export_type(demo, "purchase_request")
    suppliers = exported["catalogs"]["suppliers"]["entries"]
    suppliers[0]["label"] = "ACME renamed"
    suppliers.append({"code": "NEWCO", "label": "Newco SA", "extra": {}, "active": True})

    await import_type(demo, exported)
    kept = await entries(demo, "suppliers")
    await import_type(demo, exported, overwrite_entries=True)
    overwritten = await entries(demo, "suppliers")

    assert kept == {"ACME": "ACME Fournitures SAS", "BUROTIC": "Burotic SARL", "NEWCO": "Newco SA"}
    assert overwritten["ACME"] == "ACME renamed"


async def test_without_catalog_entries_only_the_catalogs_are_created(demo):
    exported = await export_type(demo, "purchase_request")
    other = await new_organisation()

    await import_type(other, exported, include_catalog_entries=False)

    labels = {r["key"]: r["label"] for r in await Catalog.select().where(Catalog.organisation == other)}
    assert labels == {"analytic_codes": "Analytic codes", "departments": "Departments", "suppliers": "Suppliers"}
    assert await entries(other, "suppliers") == {}


async def test_a_catalog_the_schema_names_but_the_file_lacks_is_created_empty(demo):
    exported = await export_type(demo, "purchase_request")
    del exported["catalogs"]["analytic_codes"]
    other = await new_organisation()

    await import_type(other, exported)

    row = await Catalog.select(Catalog.label).where(
        (Catalog.organisation == other) & (Catalog.key == "analytic_codes")).first()
    assert row == {"label": "Analytic codes"}


async def test_a_definition_the_checker_refuses_is_not_published_and_creates_nothing(demo):
    exported = await export_type(demo, "purchase_request")
    exported["workflow"]["transitions"][2]["when"] = "totl_ht < params.service_limit"
    exported["workflow"]["roles"].append("auditor")
    exported["catalogs"]["brand_new"] = {"label": "Brand new", "entries": [{"code": "X", "label": "X"}]}
    other = await new_organisation()

    with pytest.raises(DefinitionRejected, match="unknown field 'totl_ht'"):
        await import_type(other, exported)

    assert await current_versions(other) == []
    assert await Catalog.count().where(Catalog.organisation == other) == 0
    assert await Role.count().where(Role.organisation == other) == 0


async def test_every_shape_problem_is_listed_with_the_key_concerned(demo):
    exported = await export_type(demo, "purchase_request")
    del exported["workflow"]
    exported["format"] = "parapheur.document-type/9"
    exported["number_prefix"] = 42
    exported["json_schema"] = []
    exported["colour"] = "blue"
    exported["catalogs"]["suppliers"]["entries"].append({"code": "ACME", "label": ""})

    with pytest.raises(ExchangeError) as raised:
        await import_type(demo, exported)

    assert raised.value.problems == [
        "'workflow' is missing",
        "unknown key 'colour'; keys are: format, key, name, number_prefix, json_schema, ui_schema, workflow, "
        "category, permissions, catalogs, version, exported_at",
        "'format' is 'parapheur.document-type/9'; this platform reads 'parapheur.document-type/1'",
        "'number_prefix' must be a string, not a number",
        "'json_schema' must be an object, not an array",
        "'catalogs/suppliers/entries/2/label' is empty",
        "'catalogs/suppliers/entries/2/code' 'ACME' appears twice in this catalog",
    ]
    assert str(raised.value).startswith("7 problems in the exported document type:")


async def test_a_file_that_is_not_an_object_is_refused():
    with pytest.raises(ExchangeError, match="must be a JSON object, not an array"):
        await import_type(1, [])


async def test_exporting_an_unknown_type_names_the_published_ones(demo):
    with pytest.raises(ExchangeError, match="no document type 'invoice'.*published types: customer_invoice"):
        await export_type(demo, "invoice")
    with pytest.raises(ExchangeError, match="no version 7 of document type 'purchase_request'"):
        await export_type(demo, "purchase_request", version=7)


def test_malformed_json_is_refused_with_its_line_and_column():
    with pytest.raises(ExchangeError, match="not valid JSON: Expecting ',' delimiter at line 2 column 14"):
        parse_exported(b'{"key": "x",\n "name": "y" "z"}')


def test_a_file_over_5_mb_is_refused_before_parsing():
    with pytest.raises(ExchangeError, match="at most 5 MB"):
        parse_exported(b" " * (MAX_BYTES + 1))


def test_parse_refuses_what_is_not_an_object_or_not_utf8():
    with pytest.raises(ExchangeError, match="must hold a JSON object"):
        parse_exported(b"[1, 2]")
    with pytest.raises(ExchangeError, match="not UTF-8 text"):
        parse_exported('{"name": "é"}'.encode("latin-1"))


def test_parse_reads_utf8_with_or_without_bom():
    assert parse_exported('{"name": "Décompte"}'.encode()) == {"name": "Décompte"}
    assert parse_exported('{"name": "Décompte"}'.encode("utf-8-sig")) == {"name": "Décompte"}
