"""The back-office at /admin/: piccolo-admin over our tables, for platform administrators.

Logging in needs a piccolo `admin` user (the demo's `admin`); piccolo-admin brings session
auth, CSRF protection and its French and English translations. The audit tables (history,
usage events, published versions) are read-only here: writes are refused with a message,
and the database triggers refuse them anyway.
"""

from datetime import timedelta

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.validators import Validators
from piccolo_api.session_auth.tables import SessionsBase
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp

from admin.forms import FORMS
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

READ_ONLY_REASONS = {
    HistoryEntry: "History entries are immutable: they form the audit trail's hash chain.",
    UsageEvent: "Usage events are read-only: they are what is billed.",
    DocumentTypeVersion: "Published versions never change: publish a new version instead.",
    Audience: "Audience rows are derived from documents and their workflow.",
    NumberCounter: "Number counters are gap-free sequences: editing one would skip or reuse numbers.",
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


def table_configs() -> list[TableConfig]:
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
            reason = READ_ONLY_REASONS.get(table)
            configs.append(
                TableConfig(
                    table,
                    visible_columns=visible.get(table),
                    visible_filters=filters.get(table),
                    menu_group=group,
                    validators=refuse_writes(reason) if reason else None,
                )
            )
    return configs


def create_admin_app(*, production: bool = False) -> ASGIApp:
    """`production` (the platform is served over HTTPS) makes session cookies Secure."""
    return create_admin(
        table_configs(),
        forms=FORMS,
        auth_table=BaseUser,
        session_table=SessionsBase,
        session_expiry=timedelta(hours=8),
        site_name="Parapheur",
        sidebar_links={"Designer": "/admin/designer/", "GraphQL API": "/graphql", "Portal": "/"},
        auto_include_related=False,
        production=production,
    )
