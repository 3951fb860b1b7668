"""Creating, editing and moving documents, each as one atomic write.

Every change follows the same path (DESIGN §3): lock the row, check the version, ask the pure
decision function in `rules/`, then write document, history, tasks, outbox jobs and usage in
the same transaction. A refusal rolls everything back, so nothing is ever half-written.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from form_engine.catalogs import catalog_references, unknown_references
from form_engine.computed import compute
from form_engine.errors import FieldError
from form_engine.screens import rejected_fields
from form_engine.validation import validate
from models import history
from models.catalogs import active_codes
from models.database import is_sqlite, write_transaction
from models.document_types import PublishedVersion, current_versions, version_by_id
from models.numbering import next_number
from models.outcomes import Conflict, Invalid, NotFound, Outcome, Refusal, Rollback, Saved
from models.tables import Audience, Document, Organisation, OutboxJob, Partner, Task, UsageEvent
from models.viewers import Viewer, scope_key
from models.webhooks import queue_events
from rules.decisions import Accepted, Refused, Step, decide, decide_for_platform, settle
from rules.permissions import assignees_of, audience_of, can_create, can_edit, can_see

BILLED_EVENT = "document_processed"


def parse_id(raw: str | int) -> int:
    """GraphQL ids are strings; only the canonical decimal of a positive integer names a
    document (not ' 1', '+1', '01', '1_0' or non-ASCII digits, which `int` would accept)."""
    return parse_id_of("document", raw)


def parse_id_of(kind: str, raw: str | int) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit() and text[0] != "0" and len(text) <= 19) or int(text) > 2**62:
        raise NotFound(f"no {kind} with id {raw!r}")
    return int(text)


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("data"), str):
        row = {**row, "data": json.loads(row["data"])}
    return row


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


async def _lock(organisation_id: int, document_id: int) -> tuple[dict[str, Any], PublishedVersion]:
    """The document row, locked until the transaction ends, with its pinned version."""
    query = Document.select().where((Document.id == document_id) & (Document.organisation == organisation_id))
    if not is_sqlite():
        query = query.lock_rows("UPDATE")
    row = await query.first()
    version = await version_by_id(row["type_version"], organisation_id) if row else None
    if row is None or version is None:
        raise NotFound(f"no document with id {document_id}")
    return _loaded(row), version


async def _lock_visible(viewer: Viewer, document_id: int) -> tuple[dict[str, Any], PublishedVersion]:
    """As `_lock`, for a viewer: a document they may not see does not exist for them."""
    row, version = await _lock(viewer.organisation_id, document_id)
    if not visible(version, row, viewer):
        raise NotFound(f"no document with id {document_id}")
    return row, version


def visible(version: PublishedVersion, row: dict[str, Any], viewer: Viewer) -> bool:
    if viewer.is_partner:
        return row.get("partner") == viewer.partner_id
    return can_see(version.workflow, data=row["data"], actor=viewer.actor, creator_id=row["created_by"])


async def _partner_id(version: PublishedVersion, data: dict[str, Any]) -> int | None:
    field = version.partner_field
    if not field or not isinstance(data.get(field), str):
        return None
    row = await Partner.select(Partner.id).where(
        (Partner.organisation == version.organisation_id) & (Partner.code == data[field])
    ).first()
    return row["id"] if row else None


async def _check_quota(organisation_id: int, document_id: int, now: datetime) -> Refusal | None:
    """A document is billed once, when it first leaves its initial state."""
    already = await UsageEvent.exists().where(
        (UsageEvent.document == document_id) & (UsageEvent.kind == BILLED_EVENT)
    )
    if already:
        return None
    organisation = await Organisation.select(Organisation.flux_quota).where(Organisation.id == organisation_id).first()
    quota = organisation["flux_quota"] if organisation else None
    if quota is not None:
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = await UsageEvent.count().where(
            (UsageEvent.organisation == organisation_id) & (UsageEvent.at >= month_start)
        )
        if used >= quota:
            return Refusal(
                "QUOTA_EXCEEDED",
                f"The organisation has used its {quota} flux for this month; "
                "ask an administrator to raise the quota.",
            )
    await UsageEvent.insert(UsageEvent(organisation=organisation_id, document=document_id, kind=BILLED_EVENT, at=now))
    return None


async def _write_steps(
    *,
    viewer: Viewer | None,
    row: dict[str, Any],
    steps: Sequence[Step],
    actions: Sequence[str],
    version: PublishedVersion,
    now: datetime,
) -> None:
    """History entries for each step, then the tasks and jobs of the state the document rests in."""
    if not steps:
        return
    seq, prev = await history.last_link(row["id"])
    entries = []
    for step in steps:
        seq += 1
        entry = history.seal(
            organisation_id=row["organisation"],
            document_id=row["id"],
            seq=seq,
            prev_hash=prev,
            at=now,
            actor_id=None if step.automatic or viewer is None else viewer.user_id,
            actor_name=None if step.automatic or viewer is None else viewer.username,
            action=step.action,
            from_state=step.from_state,
            to_state=step.to_state,
            comment=step.comment,
        )
        prev = entry.hash
        entries.append(entry)
    await history.HistoryEntry.insert(*entries)
    await queue_events(row, steps, seq, now)
    final_state = steps[-1].to_state
    await _open_tasks(row, version, final_state, now)
    if actions:
        await OutboxJob.insert(
            *(
                OutboxJob(
                    organisation=row["organisation"],
                    document=row["id"],
                    action=action,
                    idempotency_key=f"{row['id']}:{seq}:{action}",
                    expected_state=final_state,
                    created_at=now,
                    updated_at=now,
                )
                for action in actions
            )
        )


async def _open_tasks(row: dict[str, Any], version: PublishedVersion, state: str, now: datetime) -> None:
    """Close what the document waited on, open what it waits on in `state`."""
    await Task.update({Task.closed_at: now}).where((Task.document == row["id"]) & (Task.closed_at.is_null()))
    sla = version.workflow.states[state].sla_hours
    due = now + timedelta(hours=sla) if sla else None
    tasks = [
        Task(
            organisation=row["organisation"],
            document=row["id"],
            state=state,
            role=assignment.role,
            scope=scope_key(assignment.scope),
            user=row["created_by"] if assignment.creator else None,
            opened_at=now,
            due_at=due,
        )
        for assignment in assignees_of(version.workflow, state, row["data"])
    ]
    if tasks:
        await Task.insert(*tasks)


async def _write_audience(row: dict[str, Any], version: PublishedVersion) -> None:
    """Who may see the document follows its data (e.g. its department): recompute on change."""
    await Audience.delete().where(Audience.document == row["id"])
    pairs = {
        (a.role, scope_key(a.scope)) for a in audience_of(version.workflow, row["data"]) if a.role is not None
    }
    if pairs:
        await Audience.insert(
            *(
                Audience(organisation=row["organisation"], document=row["id"], role=role, scope=scope)
                for role, scope in sorted(pairs)
            )
        )


async def create_document(viewer: Viewer, type_key: str, data: Any, submit: bool = False) -> Outcome:
    """Create a document in the initial state (and submit it when asked), atomically."""
    if viewer.is_partner:
        return Refusal("NOT_PERMITTED", "Partner tokens are read-only.")
    versions = await current_versions(viewer.organisation_id, type_key)
    if not versions:
        raise NotFound(f"no published document type {type_key!r} in this organisation")
    version = versions[0]
    if not can_create(version.create_roles, viewer.actor):
        roles = ", ".join(version.create_roles or [])
        return Refusal("NOT_PERMITTED", f"Creating a {version.name} needs one of the roles: {roles}.")
    prepared, errors = await prepare(version, data)
    if isinstance(data, dict):
        errors = sorted({*errors, *screen_errors(version, version.workflow.initial, {}, data)},
                        key=lambda e: (e.path, e.message))
    if errors:
        return Invalid(errors)
    now = datetime.now(UTC)
    try:
        async with write_transaction():
            row = await _insert(version, prepared, created_by=viewer.user_id, viewer=viewer, now=now)
            if submit:
                outcome = await _transition_locked(viewer, row, version, "submit", None, now)
                if not isinstance(outcome, Saved):
                    raise Rollback(outcome)
                row = outcome.document
            return Saved(await _number(row, version, now))
    except Rollback as rollback:
        return rollback.outcome


async def _number(row: dict[str, Any], version: PublishedVersion, now: datetime) -> dict[str, Any]:
    """Give the document its gap-free number, last thing before commit: the counter row is
    locked until the commit, so the shorter that wait, the more creations run side by side."""
    number = await next_number(
        organisation_id=version.organisation_id,
        document_type_id=version.document_type_id,
        prefix=version.number_prefix,
        year=now.year,
    )
    await Document.update({Document.number: number}).where(Document.id == row["id"])
    return {**row, "number": number}


async def _insert(
    version: PublishedVersion, data: dict[str, Any], *, created_by: int, viewer: Viewer | None, now: datetime
) -> dict[str, Any]:
    """Number, insert and settle a new document (inside the caller's transaction)."""
    workflow = version.workflow
    document = Document(
        organisation=version.organisation_id,
        document_type=version.document_type_id,
        type_version=version.id,
        number=f"~{uuid.uuid4().hex[:24]}",  # unique placeholder until `_number`
        state=workflow.initial,
        data=json.dumps(data),
        version=1,
        partner=await _partner_id(version, data),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    await document.save()
    row = _loaded(await Document.select().where(Document.id == document.id).first())
    created = Step(action="create", label="Created", from_state=None, to_state=workflow.initial)
    automatic = settle(workflow, workflow.initial, data)
    actions = tuple(key for step in (created, *automatic) for key in workflow.states[step.to_state].on_enter)
    await _write_steps(viewer=viewer, row=row, steps=[created, *automatic], actions=actions, version=version, now=now)
    state = automatic[-1].to_state if automatic else workflow.initial
    if state != workflow.initial:
        await Document.update({Document.state: state}).where(Document.id == row["id"])
        row["state"] = state
    await _write_audience(row, version)
    return row


async def create_for_platform(
    organisation_id: int, type_key: str, data: dict[str, Any], *, created_by: int
) -> dict[str, Any]:
    """A document the platform creates itself (a purchase order from its request): checked like
    any other, inside the caller's transaction; a problem raises, so the caller's job fails."""
    versions = await current_versions(organisation_id, type_key)
    if not versions:
        raise NotFound(f"no published document type {type_key!r} in this organisation; install its template")
    version = versions[0]
    prepared, errors = await prepare(version, data)
    if errors:
        details = "; ".join(f"{e.path or '/'}: {e.message}" for e in errors)
        raise ValueError(f"the {version.name} would be invalid: {details}")
    now = datetime.now(UTC)
    row = await _insert(version, prepared, created_by=created_by, viewer=None, now=now)
    return await _number(row, version, now)


async def transition_for_platform(
    organisation_id: int, document_id: int, action: str, comment: str | None = None
) -> dict[str, Any]:
    """Take a workflow action as the platform (after an automated action succeeded), inside the
    caller's transaction; raises ValueError when the workflow refuses it."""
    row, version = await _lock(organisation_id, document_id)
    decision = decide_for_platform(version.workflow, state=row["state"], data=row["data"], action=action,
                                   comment=comment)
    if isinstance(decision, Refused):
        raise ValueError(decision.message)
    now = datetime.now(UTC)
    new_version = row["version"] + 1
    await Document.update(
        {Document.state: decision.state, Document.version: new_version, Document.updated_at: now}
    ).where(Document.id == row["id"])
    row = {**row, "state": decision.state, "version": new_version, "updated_at": now}
    await _write_steps(viewer=None, row=row, steps=decision.steps, actions=decision.actions, version=version, now=now)
    return row


async def update_document(viewer: Viewer, document_id: int, expected_version: int, data: Any) -> Outcome:
    """Replace the data of a document in a state that lets this viewer edit it."""
    now = datetime.now(UTC)
    try:
        async with write_transaction():
            row, version = await _lock_visible(viewer, document_id)
            if row["version"] != expected_version:
                return Conflict(row["version"], _conflict_message(row["version"], expected_version))
            if viewer.is_partner:
                return Refusal("NOT_PERMITTED", "Partner tokens are read-only.")
            old = row["data"]
            if isinstance(data, dict):
                # Compared with the computed fields filled in: the server recomputes them, so
                # leaving them out (or sending stale ones) is not an edit of them.
                candidate = compute(version.json_schema, data)
                changed = sorted(k for k in set(old) | set(candidate) if old.get(k) != candidate.get(k))
            else:  # not an object: every field would change; edit rights are checked before the data
                changed = sorted(old)
            refused = can_edit(
                version.workflow,
                state=row["state"],
                data=old,
                actor=viewer.actor,
                creator_id=row["created_by"],
                changed_fields=changed,
            )
            if refused is not None:
                return Refusal(str(refused.reason), refused.message)
            prepared, errors = await prepare(version, data)
            if isinstance(data, dict):
                errors = sorted({*errors, *screen_errors(version, row["state"], old, data)},
                                key=lambda e: (e.path, e.message))
            if errors:
                return Invalid(errors)
            new_version = row["version"] + 1
            partner = await _partner_id(version, prepared)
            await Document.update(
                {
                    Document.data: json.dumps(prepared),
                    Document.version: new_version,
                    Document.updated_at: now,
                    Document.partner: partner,
                }
            ).where(Document.id == row["id"])
            row = {**row, "data": prepared, "version": new_version, "updated_at": now, "partner": partner}
            edit = Step(
                action="update", label="Updated", from_state=row["state"], to_state=row["state"],
                automatic=False, comment=None,
            )
            await _write_steps(viewer=viewer, row=row, steps=[edit], actions=(), version=version, now=now)
            await _write_audience(row, version)
            return Saved(row)
    except Rollback as rollback:
        return rollback.outcome


def _conflict_message(current: int, expected: int | None) -> str:
    return (
        f"The document changed since you loaded it (you had version {expected}, it is now {current}); "
        "reload it and try again."
    )


async def transition(
    viewer: Viewer, document_id: int, action: str, expected_version: int | None, comment: str | None
) -> Outcome:
    """Perform a workflow action on a document, as one transaction."""
    now = datetime.now(UTC)
    try:
        async with write_transaction():
            row, version = await _lock_visible(viewer, document_id)
            if expected_version is not None and row["version"] != expected_version:
                return Conflict(row["version"], _conflict_message(row["version"], expected_version))
            outcome = await _transition_locked(viewer, row, version, action, comment, now)
            if not isinstance(outcome, Saved):
                raise Rollback(outcome)
            return outcome
    except Rollback as rollback:
        return rollback.outcome


async def _transition_locked(
    viewer: Viewer, row: dict[str, Any], version: PublishedVersion, action: str, comment: str | None, now: datetime
) -> Outcome:
    if viewer.is_partner:
        return Refusal("NOT_PERMITTED", "Partner tokens are read-only.")
    decision = decide(
        version.workflow,
        state=row["state"],
        data=row["data"],
        actor=viewer.actor,
        creator_id=row["created_by"],
        action=action,
        comment=comment,
    )
    if isinstance(decision, Refused):
        return Refusal(str(decision.reason), decision.message)
    assert isinstance(decision, Accepted)
    if row["state"] == version.workflow.initial:
        refused = await _check_quota(row["organisation"], row["id"], now)
        if refused:
            return refused
    new_version = row["version"] + 1
    await Document.update(
        {Document.state: decision.state, Document.version: new_version, Document.updated_at: now}
    ).where(Document.id == row["id"])
    row = {**row, "state": decision.state, "version": new_version, "updated_at": now}
    await _write_steps(
        viewer=viewer, row=row, steps=decision.steps, actions=decision.actions, version=version, now=now
    )
    return Saved(row)
