"""The back-office at /admin/: piccolo-admin over our tables.

Two audiences share one login page. Platform administrators (piccolo superusers) get every
table of every organisation. Organisation administrators (a membership flagged admin, or the
`admin` role; their user has piccolo's `admin` flag so they may log in) get a second
piccolo-admin whose rows are scoped to their organisation by admin.tenancy. Anyone else
signed in is refused. piccolo-admin brings session auth, CSRF protection and its French and
English translations. The audit tables (history, usage events, published versions) are
read-only: writes are refused with a message, and the database triggers refuse them anyway.
"""

from datetime import timedelta

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_admin.translations.data import ENGLISH, FRENCH
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from admin.forms import FORMS
from admin.secrets import MaskSecrets
from admin.sign_in import NoLimit, SignInGuard
from admin.tenancy import AdministeredOrganisation, TenantScope, route_path
from models.accounts import open_back_office
from models.sessions import HashedSessions
from models.tables import (
    ApiToken,
    Attachment,
    Audience,
    Catalog,
    CatalogEntry,
    Delegation,
    Document,
    DocumentType,
    DocumentTypeVersion,
    HistoryEntry,
    Link,
    Membership,
    NumberCounter,
    Organisation,
    OutboxJob,
    Partner,
    Role,
    RoleAssignment,
    Task,
    UsageEvent,
    WebhookEndpoint,
)
from models.viewers import admin_viewer

READ_ONLY_REASONS = {
    HistoryEntry: "History entries are immutable: they form the audit trail's hash chain.",
    UsageEvent: "Usage events are read-only: they are what is billed.",
    DocumentTypeVersion: "Published versions never change: publish a new version instead.",
    DocumentType: "A document type changes in the designer (/admin/designer/), by publishing a new version.",
    Audience: "Audience rows are derived from documents and their workflow.",
    NumberCounter: "Number counters are gap-free sequences: editing one would skip or reuse numbers.",
    Document: "Documents change through their workflow (the portal or the API), which keeps their history.",
    Task: "Tasks follow their document's workflow.",
    Link: "Links are made by the actions that create the linked documents.",
    Attachment: "Attachments are kept as filed: their SHA-256 is on record.",
    OutboxJob: "Jobs run by themselves; a FAILED one runs again with the 'Retry a failed job' form.",
    ApiToken: "Tokens are issued by login and the partner-token form; revoke one with 'Revoke an API token'.",
}


def refuse_writes(reason: str) -> Validators:
    def refuse(piccolo_crud: PiccoloCRUD, request: Request) -> None:
        raise HTTPException(status_code=405, detail=reason)

    return Validators(post_single=[refuse], put_single=[refuse], patch_single=[refuse], delete_single=[refuse],
                      delete_all=[refuse])


GROUPS = {
    "Organisations": [Organisation, Membership, Role, RoleAssignment, Delegation, Partner, ApiToken],
    "Documents": [Document, HistoryEntry, Task, Link, Attachment, Audience, NumberCounter, UsageEvent],
    "Definitions": [DocumentType, DocumentTypeVersion, Catalog, CatalogEntry],
    "Automation": [OutboxJob, WebhookEndpoint],
}


ORGANISATION_READ_ONLY = {
    Organisation: "Your organisation's settings (quota, platform) are kept by the platform administrators.",
}


async def _membership_saved(row: Membership) -> Membership:
    if row.is_admin:
        await open_back_office(row.user)
    return row


async def _membership_patched(row_id: int, values: dict) -> dict:
    if any(column._meta.name == "is_admin" and value for column, value in values.items()):
        membership = await Membership.select(Membership.user).where(Membership.id == row_id).first()
        if membership:
            await open_back_office(membership["user"])
    return values


async def _assignment_saved(row: RoleAssignment) -> RoleAssignment:
    if await Role.exists().where((Role.id == row.role) & (Role.key == "admin")):
        await open_back_office(row.user)
    return row


async def _assignment_patched(row_id: int, values: dict) -> dict:
    role = next((value for column, value in values.items() if column._meta.name == "role"), None)
    assignment = await RoleAssignment.select(RoleAssignment.user).where(RoleAssignment.id == row_id).first()
    if role is not None and assignment and await Role.exists().where((Role.id == role) & (Role.key == "admin")):
        await open_back_office(assignment["user"])
    return values


HOOKS = {  # who becomes an organisation administrator through a table edit may sign in
    Membership: [Hook(HookType.pre_save, _membership_saved), Hook(HookType.pre_patch, _membership_patched)],
    RoleAssignment: [Hook(HookType.pre_save, _assignment_saved), Hook(HookType.pre_patch, _assignment_patched)],
}


def table_configs(read_only: dict[type, str]) -> list[TableConfig]:
    """Every table, with useful columns, filters and menu groups."""
    visible = {
        Document: [Document.id, Document.number, Document.document_type, Document.state, Document.version,
                   Document.created_by, Document.updated_at, Document.organisation],
        HistoryEntry: [HistoryEntry.document, HistoryEntry.seq, HistoryEntry.at, HistoryEntry.actor_name,
                       HistoryEntry.action, HistoryEntry.from_state, HistoryEntry.to_state, HistoryEntry.comment],
        OutboxJob: [OutboxJob.id, OutboxJob.action, OutboxJob.document, OutboxJob.status, OutboxJob.attempts,
                    OutboxJob.last_error, OutboxJob.updated_at],
        ApiToken: [ApiToken.id, ApiToken.organisation, ApiToken.user, ApiToken.partner, ApiToken.label,
                   ApiToken.expires_at, ApiToken.revoked],
        DocumentTypeVersion: [DocumentTypeVersion.id, DocumentTypeVersion.document_type,
                              DocumentTypeVersion.version, DocumentTypeVersion.published_at,
                              DocumentTypeVersion.published_by],
        Attachment: [Attachment.id, Attachment.document, Attachment.kind, Attachment.filename, Attachment.size,
                     Attachment.sha256, Attachment.created_at],
        WebhookEndpoint: [WebhookEndpoint.id, WebhookEndpoint.organisation, WebhookEndpoint.url,
                          WebhookEndpoint.events, WebhookEndpoint.active],
    }
    filters = {
        Document: [Document.organisation, Document.document_type, Document.state, Document.number],
        OutboxJob: [OutboxJob.organisation, OutboxJob.status, OutboxJob.action],
        HistoryEntry: [HistoryEntry.document, HistoryEntry.action, HistoryEntry.actor_name],
        CatalogEntry: [CatalogEntry.catalog, CatalogEntry.code, CatalogEntry.active],
        RoleAssignment: [RoleAssignment.organisation, RoleAssignment.user, RoleAssignment.role],
    }
    configs = []
    for group, tables in GROUPS.items():
        for table in tables:
            reason = read_only.get(table)
            configs.append(
                TableConfig(
                    table,
                    visible_columns=visible.get(table),
                    visible_filters=filters.get(table),
                    menu_group=group,
                    validators=refuse_writes(reason) if reason else None,
                    hooks=HOOKS.get(table),
                )
            )
    return configs


def _piccolo_admin(tables: list[TableConfig], forms: list, production: bool) -> ASGIApp:
    return create_admin(
        tables,
        forms=forms,
        auth_table=BaseUser,
        session_table=HashedSessions,
        session_expiry=timedelta(hours=8),
        site_name="Parapheur",
        sidebar_links={"Designer": "/admin/designer/", "GraphQL API": "/graphql", "Portal": "/"},
        auto_include_related=False,
        production=production,
        translations=[ENGLISH, FRENCH],
        rate_limit_provider=NoLimit(),  # SignInGuard throttles failed logins instead
    )


class AdminDispatch:
    """Sends each /admin/ request to the platform or the organisation back-office by who is
    signed in; the login page, its assets and translations are the same in both."""

    def __init__(self, platform: ASGIApp, organisation: ASGIApp):
        self.platform = platform
        self.organisation = organisation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        token = HTTPConnection(scope).cookies.get("id") if scope["type"] == "http" else None
        if not path.startswith("/api/") or not token:
            await self.platform(scope, receive, send)
            return
        user_id = await HashedSessions.get_user_id(token)
        user = await BaseUser.select(BaseUser.superuser).where(BaseUser.id == user_id).first() if user_id else None
        if user is None or user["superuser"]:
            await self.platform(scope, receive, send)  # piccolo-admin's own checks answer the unknown
            return
        viewer = await admin_viewer(user_id)
        if viewer is None:
            refusal = JSONResponse({"detail": "You administer no organisation: ask a platform administrator."}, 403)
            await refusal(scope, receive, send)
            return
        organisation = AdministeredOrganisation(viewer.organisation.id, viewer.organisation.slug)
        await self.organisation({**scope, "state": {**scope.get("state", {}), "organisation": organisation}},
                                receive, send)


def create_admin_app(*, production: bool = False) -> ASGIApp:
    """`production` (the platform is served over HTTPS) makes session cookies Secure."""
    platform = _piccolo_admin(table_configs(READ_ONLY_REASONS), [form.for_platform() for form in FORMS], production)
    tenant_configs = table_configs(READ_ONLY_REASONS | ORGANISATION_READ_ONLY)
    organisation = MaskSecrets(TenantScope(
        _piccolo_admin(tenant_configs, [form.for_organisation() for form in FORMS], production),
        [config.table_class for config in tenant_configs],
    ))
    return SignInGuard(AdminDispatch(platform, organisation))
