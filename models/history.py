"""The audit trail: append-only entries, each sealed with the hash of the one before.

Altering, removing or reordering any entry breaks every hash after it, which
`verify_chain` reports with the first sequence number that no longer matches.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.records import HistoryRecord
from models.tables import HistoryEntry

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    broken_at: int | None = None
    reason: str = ""


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the entry's meaningful fields and the previous hash, in canonical JSON."""
    sealed = {
        "document": entry["document"],
        "seq": entry["seq"],
        "at": _timestamp(entry["at"]),
        "actor": entry.get("actor_name"),
        "action": entry["action"],
        "from_state": entry.get("from_state"),
        "to_state": entry["to_state"],
        "comment": entry.get("comment"),
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify_chain(entries: Iterable[HistoryRecord]) -> ChainCheck:
    """Recompute every hash in sequence order; the first mismatch is where tampering starts.

    Each entry's hash covers its own fields and the hash before it, so changing, removing or
    reordering one entry breaks its own check or the next one's link, and the chain cannot be
    mended without rewriting every later entry (which the database's triggers refuse)."""
    prev = GENESIS
    expected_seq = 1
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.seq != expected_seq:
            return ChainCheck(False, entry.seq, f"expected entry {expected_seq}, found {entry.seq}")
        if entry.prev_hash != prev:
            return ChainCheck(False, entry.seq, "previous-hash link does not match the entry before")
        if entry.hash != entry_hash(entry.sealed_fields(), prev):
            return ChainCheck(False, entry.seq, "entry content does not match its hash")
        prev = entry.hash
        expected_seq += 1
    return ChainCheck(True)


async def last_link(document_id: int) -> tuple[int, str]:
    """(last seq, last hash) of a document's chain; call inside the document's transaction."""
    row = (
        await HistoryEntry.select(HistoryEntry.seq, HistoryEntry.hash)
        .where(HistoryEntry.document == document_id)
        .order_by(HistoryEntry.seq, ascending=False)
        .first()
    )
    return (row["seq"], row["hash"]) if row else (0, GENESIS)


def seal(
    *,
    organisation_id: int,
    document_id: int,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    actor_name: str | None,
    action: str,
    from_state: str | None,
    to_state: str,
    comment: str | None,
) -> HistoryEntry:
    """A new, hashed entry ready to insert."""
    fields: dict[str, Any] = {
        "document": document_id,
        "seq": seq,
        "at": at,
        "actor_name": actor_name,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
    }
    return HistoryEntry(
        organisation=organisation_id,
        actor=actor_id,
        prev_hash=prev_hash,
        hash=entry_hash(fields, prev_hash),
        **fields,
    )


async def entries_of(organisation_id: int, document_ids: list[int]) -> list[HistoryRecord]:
    rows = await (
        HistoryEntry.select()
        .where((HistoryEntry.organisation == organisation_id) & HistoryEntry.document.is_in(document_ids))
        .order_by(HistoryEntry.document)
        .order_by(HistoryEntry.seq)
    )
    return [HistoryRecord.of(row) for row in rows]
