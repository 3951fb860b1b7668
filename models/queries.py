"""Reading documents with the visibility rule applied in SQL, so lists paginate correctly.

The rule mirrors `rules.permissions.can_see`: the creator, administrators, and holders of a
grant matching one of the document's audience rows (role + evaluated scope). Partner tokens
see only their partner's documents.
"""

import base64
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import Combinable, WhereRaw

from models.database import current_engine
from models.errors import ModelError
from models.records import DocumentRecord, JobRecord
from models.tables import Audience, Document, Link, OutboxJob, Task
from models.viewers import Viewer, scope_key

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class Page:
    documents: list[DocumentRecord]
    total: int
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.documents[-1].id) if self.documents else None


def encode_cursor(document_id: int) -> str:
    return base64.urlsafe_b64encode(f"doc:{document_id}".encode()).decode()


class BadCursor(ModelError):
    """Raised when an `after` cursor was not produced by this API."""


MAX_CURSOR = 40  # "doc:" and a 64-bit id, in base64, with room to spare


def decode_cursor(cursor: str) -> int:
    shown = repr(cursor) if len(cursor) <= MAX_CURSOR else f"of {len(cursor)} characters"
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        # An id beyond a 64-bit integer is no id of ours, and the databases would fail on it.
        if kind != "doc" or not value.isascii() or not value.isdigit() or int(value) >= 2**63:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise BadCursor(f"cursor {shown} is not valid; pass the endCursor of a previous page") from None


def _grant_match(role_column: Any, scope_column: Any, viewer: Viewer) -> Combinable | None:
    """SQL for 'one of the viewer's grants matches this (role, scope) row'."""
    unscoped = sorted({g.role for g in viewer.grants if not g.scope})
    condition: Combinable | None = role_column.is_in(unscoped) if unscoped else None
    for grant in viewer.grants:
        if grant.scope:
            pair = (role_column == grant.role) & (scope_column == scope_key(grant.scope))
            condition = pair if condition is None else condition | pair
    return condition


def visibility(viewer: Viewer) -> Combinable:
    where: Combinable = Document.organisation == viewer.organisation_id
    if viewer.is_partner:
        return where & (Document.partner == viewer.partner_id)
    if viewer.actor.is_admin:
        return where
    audience = _grant_match(Audience.role, Audience.scope, viewer)
    mine: Combinable = Document.created_by == viewer.user_id
    if audience is not None:
        seen = Audience.select(Audience.document).where(
            (Audience.organisation == viewer.organisation_id) & audience
        )
        mine = mine | Document.id.is_in(seen)
    return where & mine


async def visible_documents_by_id(viewer: Viewer, ids: list[int]) -> dict[int, DocumentRecord]:
    if not ids:
        return {}
    rows = await Document.select().where(visibility(viewer) & Document.id.is_in(ids))
    return {row["id"]: DocumentRecord.of(row) for row in rows}


async def _page(where: Combinable, first: int | None, after: str | None) -> Page:
    limit = max(0, min(first if first is not None else DEFAULT_PAGE, MAX_PAGE))
    total = await Document.count().where(where)
    query = Document.select().where(where)
    if after:
        query = query.where(Document.id < decode_cursor(after))
    rows = await query.order_by(Document.id, ascending=False).limit(limit + 1)
    return Page([DocumentRecord.of(r) for r in rows[:limit]], total, len(rows) > limit)


# Search looks at the string values of the data, decoded, at any depth: never at key names
# (searching "price" must not match every document) nor at JSON escapes (\u00e9 for é).
_TEXT_VALUES = {
    "sqlite": "SELECT 1 FROM json_tree(document.data) AS node "
    "WHERE node.type = 'text' AND LOWER(node.value) LIKE {} ESCAPE '\\'",
    "postgres": "SELECT 1 FROM jsonb_path_query(CAST(document.data AS jsonb), 'strict $.**') AS node "
    "WHERE jsonb_typeof(node) = 'string' AND LOWER(jsonb_build_array(node) ->> 0) LIKE {} ESCAPE '\\'",
}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_documents(
    viewer: Viewer,
    *,
    type_key: str | None = None,
    state: str | None = None,
    search: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page:
    where = visibility(viewer)
    if type_key:
        where = where & (Document.document_type.key == type_key)
    if state:
        where = where & (Document.state == state)
    if search:
        pattern = _like(search)
        where = where & WhereRaw(
            f"(LOWER(document.number) LIKE {{}} ESCAPE '\\' OR EXISTS ({_TEXT_VALUES[current_engine().engine_type]}))",
            pattern,
            pattern,
        )
    return await _page(where, first, after)


async def inbox(viewer: Viewer, *, first: int | None = None, after: str | None = None) -> Page:
    """Documents with an open task for the viewer; their own documents only where they are the
    named assignee (segregation of duties keeps role tasks on others' documents)."""
    open_task: Combinable = (Task.organisation == viewer.organisation_id) & Task.closed_at.is_null()
    assigned: Combinable = Task.user == viewer.user_id
    by_role = _grant_match(Task.role, Task.scope, viewer)
    tasks_mine = Task.select(Task.document).where(open_task & assigned)
    waiting: Combinable = Document.id.is_in(tasks_mine)
    if by_role is not None:
        tasks_role = Task.select(Task.document).where(open_task & by_role)
        waiting = waiting | (Document.id.is_in(tasks_role) & (Document.created_by != viewer.user_id))
    if viewer.is_partner:
        return Page([], 0, False)
    return await _page((Document.organisation == viewer.organisation_id) & waiting, first, after)


async def links_of(organisation_id: int, ids: list[int]) -> list[tuple[int, int, str]]:
    """(source, target, kind) of every link from or to these documents."""
    rows = await Link.select(Link.source, Link.target, Link.kind).where(
        (Link.organisation == organisation_id) & (Link.source.is_in(ids) | Link.target.is_in(ids))
    )
    return [(row["source"], row["target"], row["kind"]) for row in rows]


async def jobs_of(organisation_id: int, ids: list[int]) -> list[JobRecord]:
    rows = await OutboxJob.select().where(
        (OutboxJob.organisation == organisation_id) & OutboxJob.document.is_in(ids)
    ).order_by(OutboxJob.id)
    return [JobRecord.of(row) for row in rows]
