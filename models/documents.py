"""Creating, editing and moving documents, each as one atomic write.

Every change follows the same path (DESIGN §3): lock the row and check the version
(`changes.lock`, `changes.version_conflict`), check the data and ask the pure decision function
in `rules/`, then hand the decided `Change` to `changes.apply`, which writes document, history,
tasks, audience, outbox jobs, webhook events and usage in the same transaction. A refusal
rolls everything back, so nothing is ever half-written.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from form_engine.catalogs import catalog_references, unknown_references
from form_engine.computed import compute
from form_engine.errors import FieldError
from form_engine.screens import rejected_fields
from form_engine.validation import validate
from models.catalogs import active_codes
from models.changes import BILLED_EVENT, Change, apply, lock, version_conflict
from models.database import write_transaction
from models.document_types import PublishedVersion, current_versions
from models.errors import NotFound, PlatformActionRefused, PlatformDocumentInvalid
from models.numbering import next_number
from models.outcomes import Invalid, Outcome, Refusal, Rollback, Saved
from models.records import DocumentRecord
from models.tables import Document, Organisation, Partner, UsageEvent
from models.viewers import Viewer
from rules.decisions import Refused, Step, decide, decide_for_platform, settle
from rules.errors import Reason
from rules.permissions import can_create, can_edit, can_see

MAX_COMMENT = 5_000
READ_ONLY = Refusal(Reason.NOT_PERMITTED, "Partner tokens are read-only.")


def parse_id(raw: str | int) -> int:
    """GraphQL ids are strings; only the canonical decimal of a positive integer names a
    document (not ' 1', '+1', '01', '1_0' or non-ASCII digits, which `int` would accept)."""
    return parse_id_of("document", raw)


def parse_id_of(kind: str, raw: str | int) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit() and text[0] != "0" and len(text) <= 19) or int(text) > 2**62:
        raise NotFound(f"no {kind} with id {raw!r}")
    return int(text)


async def prepare(version: PublishedVersion, data: Any) -> tuple[Any, list[FieldError]]:
    """Compute the server-side fields, then collect every validation and catalog error."""
    if not isinstance(data, dict):
        return data, [FieldError("", f"document data must be a JSON object, got {type(data).__name__}")]
    computed = compute(version.json_schema, data)
    errors = validate(version.json_schema, computed)
    references = catalog_references(version.json_schema, computed)
    if references:
        errors += unknown_references(references, await active_codes(version.organisation_id, references))
    return computed, sorted(errors, key=lambda e: (e.path, e.message))


def screen_errors(version: PublishedVersion, state: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    """What the screen would not have let the user set: fields hidden or disabled by a rule,
    or not editable in this state. Refused, never stored (the screens' server-side check)."""
    editable = version.workflow.states[state].editable
    known = version.json_schema.get("properties", {})
    return [
        error
        for error in rejected_fields(version.json_schema, version.ui_schema, old_data=old, new_data=new,
                                     editable_fields=editable)
        if error.path.split("/")[1:2] and error.path.split("/")[1] in known  # unknown fields: the schema says so
    ]


async def _lock_visible(viewer: Viewer, document_id: int) -> tuple[DocumentRecord, PublishedVersion]:
    """As `changes.lock`, for a viewer: a document they may not see does not exist for them."""
    document, version = await lock(viewer.organisation_id, document_id)
    if not visible(version, document, viewer):
        raise NotFound(f"no document with id {document_id}")
    return document, version


def visible(version: PublishedVersion, document: DocumentRecord, viewer: Viewer) -> bool:
    if viewer.is_partner:
        return document.partner_id == viewer.partner_id
    return can_see(version.workflow, data=document.data, actor=viewer.actor, creator_id=document.created_by)


async def _partner_id(version: PublishedVersion, data: dict[str, Any]) -> int | None:
    field = version.partner_field
    if not field or not isinstance(data.get(field), str):
        return None
    row = await Partner.select(Partner.id).where(
        (Partner.organisation == version.organisation_id) & (Partner.code == data[field])
    ).first()
    return row["id"] if row else None


async def _quota_refusal(document: DocumentRecord, now: datetime) -> Refusal | None:
    """A document is billed once, when it first leaves its initial state: refused when that
    would go over the organisation's monthly quota."""
    organisation = await Organisation.select(Organisation.flux_quota).where(
        Organisation.id == document.organisation_id
    ).first()
    quota = organisation["flux_quota"] if organisation else None
    if quota is None:
        return None
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = await UsageEvent.count().where(
        (UsageEvent.organisation == document.organisation_id) & (UsageEvent.at >= month_start)
    )
    if used < quota:
        return None
    return Refusal(
        Reason.QUOTA_EXCEEDED,
        f"The organisation has used its {quota} flux for this month; ask an administrator to raise the quota.",
    )


async def _billed(document: DocumentRecord) -> bool:
    return await UsageEvent.exists().where((UsageEvent.document == document.id) & (UsageEvent.kind == BILLED_EVENT))


async def create_document(viewer: Viewer, type_key: str, data: Any, submit: bool = False) -> Outcome:
    """Create a document in the initial state (and submit it when asked), atomically."""
    if viewer.is_partner:
        return READ_ONLY
    versions = await current_versions(viewer.organisation_id, type_key)
    if not versions:
        raise NotFound(f"no published document type {type_key!r} in this organisation")
    version = versions[0]
    if not can_create(version.create_roles, viewer.actor):
        roles = ", ".join(version.create_roles or [])
        return Refusal(Reason.NOT_PERMITTED, f"Creating a {version.name} needs one of the roles: {roles}.")
    prepared, errors = await prepare(version, data)
    if isinstance(data, dict):
        errors = sorted({*errors, *screen_errors(version, version.workflow.initial, {}, data)},
                        key=lambda e: (e.path, e.message))
    if errors:
        return Invalid(errors)
    now = datetime.now(UTC)
    try:
        async with write_transaction():
            document = await _insert(version, prepared, created_by=viewer.user_id, viewer=viewer, now=now)
            if submit:
                outcome = await _transition_locked(viewer, document, version, "submit", None, now)
                if not isinstance(outcome, Saved):
                    raise Rollback(outcome)
                document = outcome.document
            return Saved(await _number(document, version, now))
    except Rollback as rollback:
        return rollback.outcome


async def _number(document: DocumentRecord, version: PublishedVersion, now: datetime) -> DocumentRecord:
    """Give the document its gap-free number, last thing before commit: the counter row is
    locked until the commit, so the shorter that wait, the more creations run side by side."""
    number = await next_number(
        organisation_id=version.organisation_id,
        document_type_id=version.document_type_id,
        prefix=version.number_prefix,
        year=now.year,
    )
    await Document.update({Document.number: number}).where(Document.id == document.id)
    return document.but(number=number)


async def _insert(
    version: PublishedVersion, data: dict[str, Any], *, created_by: int, viewer: Viewer | None, now: datetime
) -> DocumentRecord:
    """Insert a new document, then apply its creation as its first change (inside the caller's
    transaction). The row goes in at version 0 so that, like any change, creation bumps it: a
    new document is at version 1 with its `create` entry, tasks, audience and queued jobs."""
    workflow = version.workflow
    rows = await Document.insert(
        Document(
            organisation=version.organisation_id,
            document_type=version.document_type_id,
            type_version=version.id,
            number=f"~{uuid.uuid4().hex[:24]}",  # unique placeholder until `_number`
            state=workflow.initial,
            data=json.dumps(data),
            version=0,
            partner=await _partner_id(version, data),
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    ).returning(*Document.all_columns())
    document = DocumentRecord.of(rows[0])
    created = Step(action="create", label="Created", from_state=None, to_state=workflow.initial)
    automatic = settle(workflow, workflow.initial, data)
    steps = (created, *automatic)
    jobs = tuple(key for step in steps for key in workflow.states[step.to_state].on_enter)
    change = Change(steps=steps, state=steps[-1].to_state, jobs=jobs)
    return await apply(document, version, change, actor=viewer, now=now)


async def create_for_platform(
    organisation_id: int, type_key: str, data: dict[str, Any], *, created_by: int
) -> DocumentRecord:
    """A document the platform creates itself (a purchase order from its request): checked like
    any other, inside the caller's transaction; a problem raises, so the caller's job fails."""
    versions = await current_versions(organisation_id, type_key)
    if not versions:
        raise NotFound(f"no published document type {type_key!r} in this organisation; install its template")
    version = versions[0]
    prepared, errors = await prepare(version, data)
    if errors:
        details = "; ".join(f"{e.path or '/'}: {e.message}" for e in errors)
        raise PlatformDocumentInvalid(f"the {version.name} would be invalid: {details}")
    now = datetime.now(UTC)
    document = await _insert(version, prepared, created_by=created_by, viewer=None, now=now)
    return await _number(document, version, now)


async def transition_for_platform(
    organisation_id: int, document_id: int, action: str, comment: str | None = None
) -> DocumentRecord:
    """Take a workflow action as the platform (after an automated action succeeded), inside the
    caller's transaction; raises `PlatformActionRefused` when the workflow refuses it."""
    document, version = await lock(organisation_id, document_id)
    decision = decide_for_platform(version.workflow, state=document.state, data=document.data, action=action,
                                   comment=comment)
    if isinstance(decision, Refused):
        raise PlatformActionRefused(decision.message)
    change = Change(steps=decision.steps, state=decision.state, jobs=decision.jobs)
    return await apply(document, version, change, actor=None, now=datetime.now(UTC))


async def update_document(viewer: Viewer, document_id: int, expected_version: int, data: Any) -> Outcome:
    """Replace the data of a document in a state that lets this viewer edit it."""
    now = datetime.now(UTC)
    async with write_transaction():
        document, version = await _lock_visible(viewer, document_id)
        conflict = version_conflict(document, expected_version)
        if conflict is not None:
            return conflict
        if viewer.is_partner:
            return READ_ONLY
        old = document.data
        if isinstance(data, dict):
            # Compared with the computed fields filled in: the server recomputes them, so
            # leaving them out (or sending stale ones) is not an edit of them.
            candidate = compute(version.json_schema, data)
            changed = sorted(k for k in set(old) | set(candidate) if old.get(k) != candidate.get(k))
        else:  # not an object: every field would change; edit rights are checked before the data
            changed = sorted(old)
        refused = can_edit(
            version.workflow,
            state=document.state,
            data=old,
            actor=viewer.actor,
            creator_id=document.created_by,
            changed_fields=changed,
        )
        if refused is not None:
            return Refusal(refused.reason, refused.message)
        prepared, errors = await prepare(version, data)
        if isinstance(data, dict):
            errors = sorted({*errors, *screen_errors(version, document.state, old, data)},
                            key=lambda e: (e.path, e.message))
        if errors:
            return Invalid(errors)
        edit = Step(action="update", label="Updated", from_state=document.state, to_state=document.state)
        change = Change(steps=[edit], data=prepared, partner_id=await _partner_id(version, prepared))
        return Saved(await apply(document, version, change, actor=viewer, now=now))


async def transition(
    viewer: Viewer, document_id: int, action: str, expected_version: int | None, comment: str | None
) -> Outcome:
    """Perform a workflow action on a document, as one transaction. Without `expected_version`
    the action applies to the document as it is now (see `changes.version_conflict`)."""
    if comment is not None and len(comment) > MAX_COMMENT:
        return Refusal(
            Reason.COMMENT_TOO_LONG,
            f"The comment is {len(comment):,} characters long; the limit is {MAX_COMMENT:,}. Shorten it.",
        )
    now = datetime.now(UTC)
    try:
        async with write_transaction():
            document, version = await _lock_visible(viewer, document_id)
            conflict = version_conflict(document, expected_version)
            if conflict is not None:
                return conflict
            outcome = await _transition_locked(viewer, document, version, action, comment, now)
            if not isinstance(outcome, Saved):
                raise Rollback(outcome)
            return outcome
    except Rollback as rollback:
        return rollback.outcome


async def _transition_locked(
    viewer: Viewer, document: DocumentRecord, version: PublishedVersion, action: str, comment: str | None,
    now: datetime,
) -> Outcome:
    if viewer.is_partner:
        return READ_ONLY
    decision = decide(
        version.workflow,
        state=document.state,
        data=document.data,
        actor=viewer.actor,
        creator_id=document.created_by,
        action=action,
        comment=comment,
    )
    if isinstance(decision, Refused):
        return Refusal(decision.reason, decision.message)
    bill = document.state == version.workflow.initial and not await _billed(document)
    if bill:
        refused = await _quota_refusal(document, now)
        if refused is not None:
            return refused
    change = Change(steps=decision.steps, state=decision.state, jobs=decision.jobs, bill=bill)
    return Saved(await apply(document, version, change, actor=viewer, now=now))
