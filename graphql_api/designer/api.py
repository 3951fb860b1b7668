"""Administrators' API for the designer: drafts, the definition checker, publishing, version
history and diffs, and the audited migration of running documents."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from form_engine.screens import compile_screen
from graphql_api.boundary import check_length
from graphql_api.designer.bpmn import to_bpmn
from graphql_api.designer.exchange import ExchangeError, export_type, import_type
from graphql_api.designer.versions import diff_versions
from graphql_api.errors import ApiError, Forbidden, NotFoundError
from graphql_api.types import DocumentType
from models import drafts
from models.document_types import DefinitionRejected as Rejected
from models.document_types import check_definition, current_versions
from models.documents import parse_id
from models.errors import NotFound
from models.records import json_value
from models.tables import Document, DocumentTypeDraft, DocumentTypeVersion, Role
from models.version_migration import migrate_documents
from models.viewers import Viewer
from rules.definitions import parse_workflow
from rules.diagram import render_svg
from rules.errors import WorkflowError


def require_admin(info: Info) -> Viewer:
    viewer = info.context.require_viewer()
    if not viewer.actor.is_admin:
        raise Forbidden("Only administrators may design document types.")
    return viewer


@strawberry.type
class Draft:
    key: str
    saved: bool = strawberry.field(description="False: no draft yet, this is the published definition.")
    name: str
    category: str
    number_prefix: str
    json_schema: JSON
    ui_schema: JSON
    workflow: JSON
    permissions: JSON


@strawberry.type
class DraftSummary:
    key: str
    name: str
    updated_at: datetime
    published_version: int = strawberry.field(description="The type's current version; 0: never published.")


@strawberry.input
class DraftInput:
    key: str
    name: str
    category: str = "other"
    number_prefix: str
    json_schema: JSON
    ui_schema: JSON
    workflow: JSON
    # Nullable with a null default: graphql-core cannot print an object default in
    # introspection (`defaultValue`), which made full introspection fail for everyone.
    permissions: JSON | None = strawberry.field(default=None, description="Extra permission rules; null: none ({}).")


@strawberry.type
class DefinitionProblem:
    where: str = strawberry.field(description="schema:/…, ui:/… or workflow:/… (a JSON pointer into that part).")
    message: str


@strawberry.type
class Published:
    document_type: DocumentType


@strawberry.type
class DefinitionRejected:
    message: str
    problems: list[DefinitionProblem]


PublishResult = Annotated[Published | DefinitionRejected, strawberry.union("PublishResult")]


@strawberry.type
class VersionInfo:
    version: int
    published_at: datetime
    documents: int = strawberry.field(description="Documents pinned to this version.")


@strawberry.type
class MigrationOutcome:
    document_id: strawberry.ID
    migrated: bool
    message: str


def _problems(problems: list[dict[str, str]]) -> list[DefinitionProblem]:
    return [DefinitionProblem(where=p["where"], message=p["message"]) for p in problems]


def _rejected(rejected: Rejected, what: str) -> DefinitionRejected:
    return DefinitionRejected(message=f"{len(rejected.problems)} problem(s); nothing was {what}.",
                              problems=_problems(rejected.problems))


def _draft(values: dict) -> Draft:
    return Draft(key=values["key"], saved=values["saved"], name=values["name"], category=values["category"],
                 number_prefix=values["number_prefix"], json_schema=values["json_schema"],
                 ui_schema=values["ui_schema"], workflow=values["workflow"], permissions=values["permissions"])


def _values(draft: DraftInput) -> dict:
    for name in ("name", "category", "number_prefix"):  # as long as the columns that store them
        check_length(getattr(draft, name), getattr(DocumentTypeDraft, name).length, f"input.{to_camel_case(name)}")
    return {"name": draft.name, "category": draft.category, "number_prefix": draft.number_prefix,
            "json_schema": draft.json_schema, "ui_schema": draft.ui_schema, "workflow": draft.workflow,
            "permissions": draft.permissions if draft.permissions is not None else {}}


@strawberry.type
class DesignerQuery:
    @strawberry.field(description="The saved draft of a type, else its published definition (administrators).")
    async def designer_draft(self, info: Info, key: str) -> Draft | None:
        viewer = require_admin(info)
        found = await drafts.get_draft(viewer.organisation_id, key)
        return _draft(found) if found else None

    @strawberry.field(description="Saved drafts by key, including those of types never published (administrators).")
    async def document_type_drafts(self, info: Info) -> list[DraftSummary]:
        """`documentTypes` lists published types only: a new type's draft is reachable from here."""
        viewer = require_admin(info)
        return [DraftSummary(**row) for row in await drafts.list_drafts(viewer.organisation_id)]

    @strawberry.field(description="The screen model a draft would give a new document (administrators).")
    def preview_screen(self, info: Info, json_schema: JSON, ui_schema: JSON | None = None) -> JSON:
        require_admin(info)
        try:
            return compile_screen(json_schema, ui_schema, data=None)
        except Exception as error:  # a draft may be broken in any way: say so, don't fail the page
            raise ApiError(f"cannot preview this form yet: {error}") from None

    @strawberry.field(description="The SVG diagram a draft workflow would give (administrators).")
    def preview_diagram(self, info: Info, workflow: JSON) -> str:
        require_admin(info)
        try:
            return render_svg(parse_workflow(workflow))
        except WorkflowError as error:
            raise ApiError(f"cannot draw this workflow yet: {error}") from None

    @strawberry.field(description="The type as one JSON file: definition and the catalogs it refers to.")
    async def export_document_type(self, info: Info, key: str) -> JSON:
        viewer = require_admin(info)
        try:
            return await export_type(viewer.organisation_id, key)
        except ExchangeError as error:
            raise NotFoundError(str(error)) from None

    @strawberry.field(description="The circuit as BPMN 2.0 XML, for standard BPMN modelers.")
    async def export_bpmn(self, info: Info, key: str) -> str:
        viewer = require_admin(info)
        found = await current_versions(viewer.organisation_id, key)
        if not found:
            raise NotFoundError(f"no published document type {key!r}")
        return to_bpmn(found[0].workflow_raw, process_id=f"process_{key}", name=found[0].name).decode()

    @strawberry.field(description="Published versions of a type, oldest first (administrators).")
    async def document_type_versions(self, info: Info, key: str) -> list[VersionInfo]:
        viewer = require_admin(info)
        rows = await DocumentTypeVersion.select(DocumentTypeVersion.id, DocumentTypeVersion.version,
                                                DocumentTypeVersion.published_at).where(
            (DocumentTypeVersion.organisation == viewer.organisation_id)
            & (DocumentTypeVersion.document_type.key == key)
        ).order_by(DocumentTypeVersion.version)
        result = []
        for row in rows:
            count = await Document.count().where(Document.type_version == row["id"])
            result.append(VersionInfo(version=row["version"], published_at=row["published_at"], documents=count))
        return result

    @strawberry.field(description="Fields, states and transitions added, removed or changed between two versions.")
    async def version_diff(self, info: Info, key: str, from_version: int, to_version: int) -> JSON:
        viewer = require_admin(info)
        rows = await DocumentTypeVersion.select(
            DocumentTypeVersion.version, DocumentTypeVersion.json_schema, DocumentTypeVersion.ui_schema,
            DocumentTypeVersion.workflow,
        ).where(
            (DocumentTypeVersion.organisation == viewer.organisation_id)
            & (DocumentTypeVersion.document_type.key == key)
            & DocumentTypeVersion.version.is_in([from_version, to_version])
        )
        by_version = {
            row["version"]: {k: json_value(v) for k, v in row.items()} for row in rows
        }
        missing = [v for v in (from_version, to_version) if v not in by_version]
        if missing:
            raise NotFoundError(f"{key} has no version {', '.join(map(str, missing))}")
        return diff_versions(by_version[from_version], by_version[to_version])


@strawberry.type
class DesignerMutation:
    @strawberry.mutation(description="Every problem of a definition, each with where it is (administrators).")
    async def check_definition(self, info: Info, input: DraftInput) -> list[DefinitionProblem]:
        viewer = require_admin(info)
        roles = [r["key"] for r in await Role.select(Role.key).where(Role.organisation == viewer.organisation_id)]
        return _problems(check_definition(input.json_schema, input.ui_schema, input.workflow, roles or None))

    @strawberry.mutation(description="Save the draft of a type (administrators); checked on publish.")
    async def save_draft(self, info: Info, input: DraftInput) -> Draft:
        viewer = require_admin(info)
        if not input.key.replace("_", "").isalnum() or not input.key[:1].isalpha() or len(input.key) > 64:
            raise ApiError(f"key {input.key!r} must be letters, digits and underscores, starting with a letter")
        return _draft(await drafts.save_draft(viewer.organisation_id, input.key, _values(input), viewer.user_id))

    @strawberry.mutation(description="Publish the saved draft as a new immutable version (administrators).")
    async def publish_draft(self, info: Info, key: str) -> PublishResult:
        viewer = require_admin(info)
        try:
            version = await drafts.publish_draft(viewer.organisation_id, key, viewer.user_id)
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        except Rejected as rejected:
            return _rejected(rejected, "published")
        return Published(document_type=DocumentType(published=version))

    @strawberry.mutation(description="Import a type exported as one JSON file (creates missing catalogs and roles).")
    async def import_document_type(self, info: Info, exported: JSON) -> PublishResult:
        viewer = require_admin(info)
        try:
            version = await import_type(viewer.organisation_id, exported)
        except ExchangeError as error:
            raise ApiError(str(error)) from None
        except Rejected as rejected:
            return _rejected(rejected, "imported")
        return Published(document_type=DocumentType(published=version))

    @strawberry.mutation(description="Move chosen running documents to the type's current version (audited).")
    async def migrate_documents(self, info: Info, key: str, ids: list[strawberry.ID]) -> list[MigrationOutcome]:
        viewer = require_admin(info)
        if len(ids) > 500:
            raise ApiError("migrate at most 500 documents per call")
        parsed = []
        for raw in ids:
            try:
                parsed.append(parse_id(raw))
            except NotFound as error:
                raise NotFoundError(str(error)) from None
        if not await current_versions(viewer.organisation_id, key):
            raise NotFoundError(f"no published document type {key!r}")
        outcomes = await migrate_documents(viewer, key, parsed)
        return [MigrationOutcome(document_id=strawberry.ID(str(o.document_id)), migrated=o.migrated,
                                 message=o.message) for o in outcomes]
