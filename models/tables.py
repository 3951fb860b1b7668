"""The database schema: every table carries its organisation so no query can cross tenants.

Piccolo tables only; the stores next to this module hold the queries and the transactions.
`get_readable` names a row in the back-office's lists and foreign-key pickers.
Immutability (published versions, history) is enforced by triggers created in the migration,
so even a hand-written SQL statement cannot rewrite the audit trail.
"""

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    siren = Varchar(length=9, null=True, default=None)
    flux_quota = Integer(null=True, default=None, help_text="Documents per calendar month; empty = unlimited.")
    legal = JSON(
        default="{}",
        help_text='Seller details for invoices: {"vat_number", "address": {...}, "iban", "email"}.',
    )
    einvoicing_platform = JSON(
        null=True,
        default=None,
        help_text='Where invoices go: {"kind": "http", "url": …, "api_key": …} or {"kind": "directory", "path": …}.',
    )
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.slug])


class Membership(Table, tablename="membership"):
    organisation = ForeignKey(Organisation, null=False)
    user = ForeignKey(BaseUser, null=False)
    display_name = Varchar(length=200)
    is_admin = Boolean(default=False)


class Role(Table, tablename="role"):
    organisation = ForeignKey(Organisation, null=False)
    key = Varchar(length=64)
    label = Varchar(length=200)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.key])


class RoleAssignment(Table, tablename="role_assignment"):
    organisation = ForeignKey(Organisation, null=False)
    user = ForeignKey(BaseUser, null=False)
    role = ForeignKey(Role, null=False)
    scope = JSON(null=True, default=None, help_text='e.g. {"department": "IT"}; empty = every document.')


class Delegation(Table, tablename="delegation"):
    organisation = ForeignKey(Organisation, null=False)
    from_user = ForeignKey(BaseUser, null=False)
    to_user = ForeignKey(BaseUser, null=False)
    role = ForeignKey(Role, null=False)
    starts_at = Timestamptz()
    ends_at = Timestamptz()


class Partner(Table, tablename="partner"):
    organisation = ForeignKey(Organisation, null=False)
    kind = Varchar(length=16, help_text="supplier or customer")
    code = Varchar(length=64)
    name = Varchar(length=200)
    siren = Varchar(length=9, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    electronic_address = Varchar(length=254, null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.code])


class ApiToken(Table, tablename="api_token"):
    """Bearer tokens: only the SHA-256 of the secret is stored."""

    organisation = ForeignKey(Organisation, null=False)
    user = ForeignKey(BaseUser, null=True, default=None)
    partner = ForeignKey(Partner, null=True, default=None)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked = Boolean(default=False)


class DocumentType(Table, tablename="document_type"):
    organisation = ForeignKey(Organisation, null=False)
    key = Varchar(length=64)
    name = Varchar(length=200)
    category = Varchar(length=64, default="other")
    number_prefix = Varchar(length=16)
    current_version = Integer(default=0, help_text="0 until the first version is published.")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.key])


class DocumentTypeVersion(Table, tablename="document_type_version"):
    """A published definition; never updated (a trigger refuses it)."""

    organisation = ForeignKey(Organisation, null=False)
    document_type = ForeignKey(DocumentType, null=False)
    version = Integer()
    json_schema = JSON()
    ui_schema = JSON()
    workflow = JSON()
    permissions = JSON()
    published_at = Timestamptz(default=TimestamptzNow())
    published_by = ForeignKey(BaseUser, null=True, default=None)
    name = Varchar(length=200, null=True, default=None, help_text="As published; empty before 2026-11-29.")
    category = Varchar(length=64, null=True, default=None)
    number_prefix = Varchar(length=16, null=True, default=None)


class DocumentTypeDraft(Table, tablename="document_type_draft"):
    """The designer's work in progress for a document type: editable until published."""

    organisation = ForeignKey(Organisation, null=False)
    key = Varchar(length=64)
    name = Varchar(length=200)
    category = Varchar(length=64, default="other")
    number_prefix = Varchar(length=16)
    json_schema = JSON()
    ui_schema = JSON()
    workflow = JSON()
    permissions = JSON(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(BaseUser, null=True, default=None)


class NumberCounter(Table, tablename="number_counter"):
    """Last number given per type and year, bumped in the document's own transaction."""

    organisation = ForeignKey(Organisation, null=False)
    document_type = ForeignKey(DocumentType, null=False)
    year = Integer()
    last = Integer(default=0)


class Document(Table, tablename="document"):
    organisation = ForeignKey(Organisation, null=False)
    document_type = ForeignKey(DocumentType, null=False)
    type_version = ForeignKey(DocumentTypeVersion, null=False)
    number = Varchar(length=32)
    state = Varchar(length=64)
    data = JSON()
    version = Integer(default=1)
    partner = ForeignKey(Partner, null=True, default=None)
    created_by = ForeignKey(BaseUser, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    platform_status = JSON(
        null=True,
        default=None,
        help_text='The e-invoicing platform\'s last status: {"flow_id", "status", "meaning", "final", "state", "at"}.',
    )
    platform_polling = Boolean(default=False, index=True, help_text="The platform is asked for the flow's status.")


class HistoryEntry(Table, tablename="history_entry"):
    """Append-only, hash-chained per document: `hash` covers the entry and `prev_hash`."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=False)
    seq = Integer()
    at = Timestamptz()
    actor = ForeignKey(BaseUser, null=True, default=None)
    actor_name = Varchar(length=200, null=True, default=None)
    action = Varchar(length=64)
    from_state = Varchar(length=64, null=True, default=None)
    to_state = Varchar(length=64)
    comment = Text(null=True, default=None)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class Task(Table, tablename="task"):
    """Open work item: who the document waits on in its current state."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=False)
    state = Varchar(length=64)
    role = Varchar(length=64, null=True, default=None)
    scope = Varchar(length=500, default="", help_text="Canonical JSON of the evaluated scope; empty = none.")
    user = ForeignKey(BaseUser, null=True, default=None, help_text="Set when the creator is the assignee.")
    opened_at = Timestamptz(default=TimestamptzNow())
    due_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class Audience(Table, tablename="audience"):
    """Who may see a document beside its creator and admins (role + evaluated scope)."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=False)
    role = Varchar(length=64)
    scope = Varchar(length=500, default="")


class Link(Table, tablename="link"):
    organisation = ForeignKey(Organisation, null=False)
    source = ForeignKey(Document, null=False)
    target = ForeignKey(Document, null=False)
    kind = Varchar(length=64)


class Catalog(Table, tablename="catalog"):
    organisation = ForeignKey(Organisation, null=False)
    key = Varchar(length=64)
    label = Varchar(length=200)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.key])


class CatalogEntry(Table, tablename="catalog_entry"):
    organisation = ForeignKey(Organisation, null=False)
    catalog = ForeignKey(Catalog, null=False)
    code = Varchar(length=64)
    label = Varchar(length=200)
    extra = JSON(default="{}")
    active = Boolean(default=True)


class OutboxJob(Table, tablename="outbox_job"):
    """An action a transition queued, written in the transition's own transaction.

    The row is the source of truth: the broker only carries its id. A job is due when PENDING
    and `run_after` has passed, or RUNNING with an expired lease (its worker died)."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=True, default=None)
    action = Varchar(length=64)
    idempotency_key = Varchar(length=200, unique=True)
    expected_state = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16, default="PENDING")
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    result = JSON(null=True, default=None)
    payload = JSON(default="{}")
    run_after = Timestamptz(null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)
    dispatched_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Attachment(Table, tablename="attachment"):
    """A file produced for or attached to a document, addressed by the SHA-256 of its bytes."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=False)
    kind = Varchar(length=64, help_text="e.g. orderx, ubl, purchase_order_html")
    filename = Varchar(length=200)
    media_type = Varchar(length=100)
    sha256 = Varchar(length=64)
    size = Integer()
    content = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    """An HTTPS endpoint an organisation registered for document events (HMAC-signed)."""

    organisation = ForeignKey(Organisation, null=False)
    url = Varchar(length=2000)
    secret = Varchar(length=100, secret=True, help_text="Shared HMAC secret; shown once at creation.")
    events = JSON(default='["*"]')
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class UsageEvent(Table, tablename="usage_event"):
    """One flux per billable event; the unique key makes a retry free."""

    organisation = ForeignKey(Organisation, null=False)
    document = ForeignKey(Document, null=False)
    kind = Varchar(length=64)
    at = Timestamptz(default=TimestamptzNow())


class SignInFailure(Table, tablename="sign_in_failure"):
    """Recent failed sign-ins of one account or one client address (models/throttle.py).

    Platform-wide, not per organisation: who is signing in is not known yet. Times are Unix
    seconds, compared the same way by SQLite and PostgreSQL."""

    key = Varchar(length=300, unique=True, help_text="account:<username> or address:<ip>")
    failures = Integer(default=0)
    last_failure = Real(default=0.0)
    blocked_until = Real(default=0.0)


TABLES: tuple[type[Table], ...] = (
    Organisation,
    Membership,
    Role,
    RoleAssignment,
    Delegation,
    Partner,
    ApiToken,
    DocumentType,
    DocumentTypeVersion,
    DocumentTypeDraft,
    NumberCounter,
    Document,
    HistoryEntry,
    Task,
    Audience,
    Link,
    Catalog,
    CatalogEntry,
    OutboxJob,
    UsageEvent,
    Attachment,
    WebhookEndpoint,
    SignInFailure,
)
