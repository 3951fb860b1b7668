"""Document types and their published versions.

Publishing checks the whole definition (JSON Schema, UI schema, workflow, CEL) and writes a
new immutable version; documents keep the version they were created with. Because versions
never change, they are cached in process by id.
"""

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from piccolo.query import Select

from form_engine.computed import check_formulas
from form_engine.errors import FormError
from form_engine.fields import field_names
from form_engine.ui_schema import check_ui_schema
from models.database import write_transaction
from models.errors import ModelError
from models.records import json_value
from models.tables import DocumentType, DocumentTypeVersion, Role
from rules.cache import compiled
from rules.checker import check_workflow
from rules.definitions import Workflow


class DefinitionRejected(ModelError):
    """Raised when a document type definition fails the checker; `problems` says where."""

    def __init__(self, problems: list[dict[str, str]]):
        self.problems = problems
        lines = "\n".join(f"  {p['where']}: {p['message']}" for p in problems)
        super().__init__(f"definition rejected, {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class PublishedVersion:
    id: int
    document_type_id: int
    organisation_id: int
    key: str
    name: str
    category: str
    number_prefix: str
    version: int
    json_schema: dict[str, Any]
    ui_schema: dict[str, Any]
    workflow_raw: dict[str, Any]
    permissions: dict[str, Any]

    @cached_property
    def workflow(self) -> Workflow:
        return compiled(self.id, self.workflow_raw)

    @property
    def create_roles(self) -> list[str] | None:
        return self.permissions.get("create")

    @property
    def partner_field(self) -> str | None:
        return self.permissions.get("partner_field")


def check_definition(
    json_schema: Any, ui_schema: Any, workflow: Any, roles: list[str] | None = None
) -> list[dict[str, str]]:
    """Every problem of a definition, each with where it is (schema, ui or workflow pointer)."""
    problems: list[dict[str, str]] = []
    try:
        Draft202012Validator.check_schema(json_schema)
    except SchemaError as error:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.append({"where": f"schema:{where}", "message": error.message})
        return problems
    try:
        check_formulas(json_schema)
    except FormError as error:
        problems.append({"where": "schema:x-computed", "message": str(error)})
    problems += [{"where": f"ui:{e.path}", "message": e.message} for e in check_ui_schema(json_schema, ui_schema)]
    problems += [
        {"where": f"workflow:{p.path}", "message": p.message}
        for p in check_workflow(workflow, field_names(json_schema), roles)
    ]
    return problems


async def publish(
    *,
    organisation_id: int,
    key: str,
    name: str,
    category: str,
    number_prefix: str,
    json_schema: dict[str, Any],
    ui_schema: dict[str, Any],
    workflow: dict[str, Any],
    permissions: dict[str, Any],
    published_by: int | None = None,
) -> PublishedVersion:
    """Check and publish a new version (creating the type on first publish)."""
    roles = [r["key"] for r in await Role.select(Role.key).where(Role.organisation == organisation_id)]
    problems = check_definition(json_schema, ui_schema, workflow, roles or None)
    if problems:
        raise DefinitionRejected(problems)
    async with write_transaction():
        existing = await DocumentType.select().where(
            (DocumentType.organisation == organisation_id) & (DocumentType.key == key)
        ).first()
        if existing is None:
            row = DocumentType(
                organisation=organisation_id,
                key=key,
                name=name,
                category=category,
                number_prefix=number_prefix,
                current_version=0,
            )
            await row.save()
            type_id, number = row.id, 1
        else:
            type_id, number = existing["id"], existing["current_version"] + 1
        version = DocumentTypeVersion(
            organisation=organisation_id,
            document_type=type_id,
            version=number,
            json_schema=json.dumps(json_schema),
            ui_schema=json.dumps(ui_schema),
            workflow=json.dumps(workflow),
            permissions=json.dumps(permissions),
            published_by=published_by,
            name=name,
            category=category,
            number_prefix=number_prefix,
        )
        await version.save()
        await DocumentType.update(
            {
                DocumentType.current_version: number,
                DocumentType.name: name,
                DocumentType.category: category,
                DocumentType.number_prefix: number_prefix,
            }
        ).where(DocumentType.id == type_id)
    result = await version_by_id(version.id, organisation_id)
    assert result is not None
    return result


_versions: dict[int, PublishedVersion] = {}

_VERSION_COLUMNS = (
    DocumentTypeVersion.id,
    DocumentTypeVersion.document_type,
    DocumentTypeVersion.organisation,
    DocumentTypeVersion.version,
    DocumentTypeVersion.json_schema,
    DocumentTypeVersion.ui_schema,
    DocumentTypeVersion.workflow,
    DocumentTypeVersion.permissions,
    DocumentTypeVersion.name,
    DocumentTypeVersion.category,
    DocumentTypeVersion.number_prefix,
    DocumentTypeVersion.document_type.key,
    DocumentTypeVersion.document_type.name,
    DocumentTypeVersion.document_type.category,
    DocumentTypeVersion.document_type.number_prefix,
)


def _published(row: dict[str, Any]) -> PublishedVersion:
    """Name, category and prefix as published with the version (cached safely: they never
    change); versions published before they were recorded take the type's."""
    return PublishedVersion(
        id=row["id"],
        document_type_id=row["document_type"],
        organisation_id=row["organisation"],
        key=row["document_type.key"],
        name=row["name"] or row["document_type.name"],
        category=row["category"] or row["document_type.category"],
        number_prefix=row["number_prefix"] or row["document_type.number_prefix"],
        version=row["version"],
        json_schema=json_value(row["json_schema"]),
        ui_schema=json_value(row["ui_schema"]),
        workflow_raw=json_value(row["workflow"]),
        permissions=json_value(row["permissions"]),
    )


async def version_by_id(version_id: int, organisation_id: int) -> PublishedVersion | None:
    """A published version of this organisation (cached: versions never change)."""
    cached = _versions.get(version_id)
    if cached is None:
        row = await DocumentTypeVersion.select(*_VERSION_COLUMNS).where(DocumentTypeVersion.id == version_id).first()
        if row is None:
            return None
        cached = _versions.setdefault(version_id, _published(row))
    return cached if cached.organisation_id == organisation_id else None


async def versions_by_ids(version_ids: list[int], organisation_id: int) -> dict[int, PublishedVersion]:
    missing = [v for v in set(version_ids) if v not in _versions]
    if missing:
        rows = await DocumentTypeVersion.select(*_VERSION_COLUMNS).where(DocumentTypeVersion.id.is_in(missing))
        for row in rows:
            _versions.setdefault(row["id"], _published(row))
    return {
        v: _versions[v] for v in set(version_ids) if v in _versions and _versions[v].organisation_id == organisation_id
    }


def _current(organisation_id: int) -> Select:
    """Ids of the current versions. The joined column is selected because piccolo joins
    only for selected, filtered-on-the-left or ordered columns, not for the right-hand side."""
    return DocumentTypeVersion.select(
        DocumentTypeVersion.id,
        DocumentTypeVersion.document_type,
        DocumentTypeVersion.document_type.current_version,
    ).where(
        (DocumentTypeVersion.organisation == organisation_id)
        & (DocumentTypeVersion.version == DocumentTypeVersion.document_type.current_version)
    )


async def current_versions(organisation_id: int, key: str | None = None) -> list[PublishedVersion]:
    """The current published version of each type (or of one type) of an organisation."""
    query = _current(organisation_id)
    if key is not None:
        query = query.where(DocumentTypeVersion.document_type.key == key)
    ids = [row["id"] for row in await query.order_by(DocumentTypeVersion.document_type.key)]
    found = await versions_by_ids(ids, organisation_id)
    return [found[i] for i in ids if i in found]


async def current_versions_by_type(organisation_id: int, type_ids: list[int]) -> dict[int, PublishedVersion]:
    """The current published version of each of these document types, by type id."""
    rows = await _current(organisation_id).where(DocumentTypeVersion.document_type.is_in(type_ids))
    found = await versions_by_ids([row["id"] for row in rows], organisation_id)
    return {row["document_type"]: found[row["id"]] for row in rows if row["id"] in found}


def forget_cache() -> None:
    """Tests that recreate databases reuse ids; drop what we cached."""
    _versions.clear()
