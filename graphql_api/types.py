"""GraphQL object types (../shared/contract/core.graphql). Every object is built only from
rows the viewer may see; nested fields go through the request's DataLoaders."""

import json
import textwrap
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from form_engine.computed import compute
from form_engine.errors import FieldError as FormFieldError
from form_engine.screens import compile_screen
from graphql_api.errors import ApiError
from models.document_types import PublishedVersion
from models.records import DocumentRecord, JobRecord
from models.viewers import Viewer as ViewerModel
from rules.decisions import available_actions
from rules.diagram import render_svg
from rules.errors import Reason
from rules.permissions import can_create, can_edit


@strawberry.type
class Organization:
    id: strawberry.ID
    slug: str
    name: str


@strawberry.type
class RoleAssignment:
    role: str
    scope: JSON | None


@strawberry.type
class CatalogEntry:
    code: str
    label: str
    extra: JSON


@strawberry.type
class Partner:
    id: strawberry.ID
    name: str


@strawberry.type
class Viewer:
    username: str
    display_name: str
    organization: Organization
    roles: list[RoleAssignment]
    partner: Partner | None = strawberry.field(description="Set when the token belongs to a partner (portal access).")
    is_admin: bool = strawberry.field(default=False, description="An administrator of the organisation.")

    @classmethod
    def of(cls, viewer: ViewerModel) -> "Viewer":
        return cls(
            username=viewer.username,
            display_name=viewer.display_name,
            organization=Organization(
                id=strawberry.ID(str(viewer.organisation.id)),
                slug=viewer.organisation.slug,
                name=viewer.organisation.name,
            ),
            roles=[RoleAssignment(role=g.role, scope=dict(g.scope) if g.scope else None) for g in viewer.grants],
            partner=Partner(id=strawberry.ID(str(viewer.partner_id)), name=viewer.partner_name or "")
            if viewer.partner_id
            else None,
            is_admin=viewer.actor.is_admin,
        )


EditedData = Annotated[
    JSON | None,
    strawberry.argument(description="The data being edited, not yet saved: rules are evaluated against it."),
]


def _edited(schema: dict[str, Any], data: Any) -> dict[str, Any] | None:
    """The `data` argument of a screen: absent or null, else a JSON object (what a save takes),
    with its computed fields recomputed, as the save check evaluates rules on them.

    Only the rules see it: who may edit what still follows the stored document and its state.
    """
    if data is None:
        return None
    if isinstance(data, dict):
        return compute(schema, data)
    raise ApiError(
        "screen(data:) must be a JSON object (the document data being edited), "
        f"got {textwrap.shorten(json.dumps(data), 60, placeholder=' …')}; send the form's object, e.g. {{}}"
    )


@strawberry.type
class DocumentType:
    published: strawberry.Private[PublishedVersion]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.published.document_type_id))

    @strawberry.field
    def key(self) -> str:
        return self.published.key

    @strawberry.field
    def name(self) -> str:
        return self.published.name

    @strawberry.field
    def category(self) -> str:
        return self.published.category

    @strawberry.field(description="Current published version number.")
    def version(self) -> int:
        return self.published.version

    @strawberry.field
    def json_schema(self) -> JSON:
        return self.published.json_schema

    @strawberry.field
    def ui_schema(self) -> JSON:
        return self.published.ui_schema

    @strawberry.field
    def workflow(self) -> JSON:
        return self.published.workflow_raw

    @strawberry.field(description="Compiled screen model (for a new document) that both renderers draw.")
    def screen(self, info: Info, data: EditedData = None) -> JSON:
        viewer = info.context.require_viewer()
        published = self.published
        initial = published.workflow.states[published.workflow.initial]
        return compile_screen(
            published.json_schema, published.ui_schema, data=_edited(published.json_schema, data), state=None,
            state_label=None,
            editable_fields=initial.editable,
            can_edit=not viewer.is_partner and can_create(published.create_roles, viewer.actor),
            document_type=published.key, type_version=published.version, title=published.name,
        )

    @strawberry.field(description="The workflow drawn as an SVG document.")
    def diagram(self) -> str:
        return render_svg(self.published.workflow, title=self.published.name)

    @strawberry.field
    def can_create(self, info: Info) -> bool:
        viewer = info.context.require_viewer()
        return not viewer.is_partner and can_create(self.published.create_roles, viewer.actor)


@strawberry.type
class Action:
    key: str
    label: str
    requires_comment: bool


@strawberry.type
class HistoryEntry:
    seq: int
    at: datetime
    actor: str | None = strawberry.field(description="Username of the person who acted; null for automatic steps.")
    action: str
    from_state: str | None
    to_state: str
    comment: str | None


@strawberry.enum
class JobStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="The document left the state that queued the action before it ran."
    )


@strawberry.type
class Job:
    id: strawberry.ID
    action: str
    status: JobStatus
    attempts: int
    last_error: str | None
    result: JSON | None = strawberry.field(description="What the action produced (order number, Message-ID…).")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: JobRecord) -> "Job":
        return cls(
            id=strawberry.ID(str(job.id)),
            action=job.kind,
            status=JobStatus(job.status),
            attempts=job.attempts,
            last_error=job.last_error,
            result=job.result,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@strawberry.type(description="Where a sent invoice stands on the organisation's e-invoicing platform.")
class PlatformStatus:
    flow_id: str = strawberry.field(description="The platform's id for the flow it received.")
    status: str = strawberry.field(description="The status as the platform words it, e.g. Deposee, 212, Encaissee.")
    meaning: str = strawberry.field(
        description="What it means here: deposited, in_progress, approved, disputed, refused, rejected, paid, unknown."
    )
    final: bool = strawberry.field(description="The platform will not move the flow again; polling has stopped.")
    at: datetime = strawberry.field(description="When this status was first seen.")

    @classmethod
    def of(cls, value: dict[str, Any] | None) -> "PlatformStatus | None":
        if not value:
            return None
        return cls(flow_id=value["flow_id"], status=value["status"], meaning=value["meaning"], final=value["final"],
                   at=datetime.fromisoformat(value["at"]))


@strawberry.type
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    events: list[str]
    active: bool


@strawberry.type
class WebhookRegistration:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(
        description="HMAC-SHA256 key for the X-Parapheur-Signature header; shown once, store it now."
    )


@strawberry.type
class Attachment:
    id: strawberry.ID
    kind: str = strawberry.field(description="e.g. orderx, ubl, purchase_order_html.")
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime

    @strawberry.field(description="Download path, relative to the API's origin; send the same bearer token.")
    def url(self) -> str:
        return f"/attachments/{self.id}"


@strawberry.type
class DocumentLink:
    kind: str = strawberry.field(description="e.g. purchase_order, invoice, origin.")
    document: Annotated["Document", strawberry.lazy("graphql_api.types")]


@strawberry.type
class Document:
    record: strawberry.Private[DocumentRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field(description="Human number, gap-free per type and year, e.g. DA-2026-00042.")
    def number(self) -> str:
        return self.record.number

    @strawberry.field
    async def document_type(self, info: Info) -> DocumentType:
        published = await info.context.loaders.current_versions.load(self.record.document_type_id)
        if published is None:  # the type has only the pinned version
            published = await info.context.loaders.versions.load(self.record.type_version_id)
        return DocumentType(published=published)

    @strawberry.field(description="The document type version this document is pinned to.")
    async def type_version(self, info: Info) -> int:
        return (await self._pinned(info)).version

    @strawberry.field(description="Optimistic concurrency counter; grows by one on every change.")
    def version(self) -> int:
        return self.record.version

    @strawberry.field
    def state(self) -> str:
        return self.record.state

    @strawberry.field
    async def state_label(self, info: Info) -> str:
        state = (await self._pinned(info)).workflow.states.get(self.record.state)
        return state.label if state else self.record.state

    @strawberry.field(description="The workflow of this document's version as SVG, its current state highlighted.")
    async def diagram(self, info: Info) -> str:
        pinned = await self._pinned(info)
        return render_svg(pinned.workflow, current=self.record.state, title=f"{pinned.name} {self.record.number}")

    @strawberry.field(
        description="Screen model for this document, its state and the viewer: what is visible, editable, required."
    )
    async def screen(self, info: Info, data: EditedData = None) -> JSON:
        viewer = info.context.require_viewer()
        pinned = await self._pinned(info)
        edited = _edited(pinned.json_schema, data)
        state = pinned.workflow.states.get(self.record.state)
        may_edit = not viewer.is_partner and can_edit(
            pinned.workflow, state=self.record.state, data=self.record.data, actor=viewer.actor,
            creator_id=self.record.created_by, changed_fields=[],
        ) is None
        return compile_screen(
            pinned.json_schema, pinned.ui_schema, data=self.record.data if edited is None else edited,
            state=self.record.state,
            state_label=state.label if state else self.record.state,
            editable_fields=state.editable if state else None, can_edit=may_edit,
            document_type=pinned.key, type_version=pinned.version, title=f"{pinned.name} {self.record.number}",
        )

    @strawberry.field(description="Form data, including computed fields.")
    def data(self) -> JSON:
        return self.record.data

    @strawberry.field
    async def created_by(self, info: Info) -> str:
        return await info.context.loaders.usernames.load(self.record.created_by) or ""

    @strawberry.field
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.record.updated_at

    @strawberry.field(description="Actions the viewer may perform now.")
    async def available_actions(self, info: Info) -> list[Action]:
        viewer = info.context.require_viewer()
        if viewer.is_partner:
            return []
        options = available_actions(
            (await self._pinned(info)).workflow,
            state=self.record.state,
            data=self.record.data,
            actor=viewer.actor,
            creator_id=self.record.created_by,
        )
        return [Action(key=o.key, label=o.label, requires_comment=o.requires_comment) for o in options]

    @strawberry.field
    async def history(self, info: Info) -> list[HistoryEntry]:
        entries = await info.context.loaders.history.load(self.record.id)
        return [
            HistoryEntry(
                seq=e.seq,
                at=e.at,
                actor=e.actor_name,
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                comment=e.comment,
            )
            for e in entries
        ]

    @strawberry.field
    async def links(self, info: Info) -> list[DocumentLink]:
        pairs = await info.context.loaders.links.load(self.record.id)
        linked = await info.context.loaders.documents.load_many([other for _, other in pairs])
        return [
            DocumentLink(kind=kind, document=Document(record=record))
            for (kind, _), record in zip(pairs, linked, strict=True)
            if record  # a linked document the viewer may not see is left out
        ]

    @strawberry.field
    async def jobs(self, info: Info) -> list[Job]:
        return [Job.of(j) for j in await info.context.loaders.jobs.load(self.record.id)]

    @strawberry.field(description="The e-invoicing platform's last status for the invoice; null until sent.")
    def platform_status(self) -> PlatformStatus | None:
        return PlatformStatus.of(self.record.platform_status)

    @strawberry.field(description="Files produced for this document (Order-X, UBL, printable pages).")
    async def attachments(self, info: Info) -> list[Attachment]:
        found = await info.context.loaders.attachments.load(self.record.id)
        return [
            Attachment(id=strawberry.ID(str(a.id)), kind=a.kind, filename=a.filename,
                       media_type=a.media_type, size=a.size, sha256=a.sha256, created_at=a.created_at)
            for a in found
        ]

    async def _pinned(self, info: Info) -> PublishedVersion:
        return await info.context.loaders.versions.load(self.record.type_version_id)


@strawberry.type
class DocumentEdge:
    cursor: str
    node: Document


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class DocumentConnection:
    edges: list[DocumentEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class LoginSuccess:
    token: str
    viewer: Viewer


@strawberry.type
class LoginFailed:
    message: str


LoginResult = Annotated[LoginSuccess | LoginFailed, strawberry.union("LoginResult")]


@strawberry.type
class PasswordChanged:
    message: str


@strawberry.type
class PasswordRejected:
    message: str


ChangePasswordResult = Annotated[PasswordChanged | PasswordRejected, strawberry.union("ChangePasswordResult")]


@strawberry.type
class DocumentPayload:
    document: Document


@strawberry.type
class FieldError:
    path: str = strawberry.field(description="JSON pointer into the document data, e.g. /lines/0/quantity.")
    message: str

    @classmethod
    def of(cls, error: FormFieldError) -> "FieldError":
        return cls(path=error.path, message=error.message)


@strawberry.type
class ValidationFailed:
    message: str
    errors: list[FieldError]


# The rules' own vocabulary, exposed as is: one enum from the decision to the client.
RefusalReason = strawberry.enum(Reason, name="RefusalReason", description="Why a change was refused.")


@strawberry.type
class ActionRefused:
    message: str
    reason: RefusalReason


@strawberry.type
class VersionConflict:
    message: str
    current_version: int


DocumentResult = Annotated[
    DocumentPayload | ValidationFailed | ActionRefused | VersionConflict, strawberry.union("DocumentResult")
]
