"""The values that leave the database: frozen records, decoded once where rows are read.

Piccolo hands back `dict` rows whose JSON columns are text on SQLite and already decoded on
PostgreSQL (depending on the query, too). Everything above `models/` — the stores' callers,
the jobs, the GraphQL types — receives these records instead, so a document's `data` is a
dict whichever query produced it, and a misspelt column name fails at once, not at run time
three layers up. `json_value` is the one place a JSON column is decoded.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Self

JsonObject = dict[str, Any]


def json_value(raw: Any) -> Any:
    """A JSON column's value as Python: text is decoded, anything else is already decoded."""
    return json.loads(raw) if isinstance(raw, str) else raw


def json_object(raw: Any) -> JsonObject:
    """A JSON column that holds an object (or nothing): always a dict."""
    value = json_value(raw)
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class DocumentRecord:
    """One document as stored: its data decoded, its foreign keys as ids."""

    id: int
    organisation_id: int
    document_type_id: int
    type_version_id: int
    number: str
    state: str
    data: JsonObject
    version: int
    partner_id: int | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    platform_status: JsonObject | None = None
    platform_polling: bool = False

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        """Decode a `Document.select()` row (all columns)."""
        return cls(
            id=row["id"],
            organisation_id=row["organisation"],
            document_type_id=row["document_type"],
            type_version_id=row["type_version"],
            number=row["number"],
            state=row["state"],
            data=json_object(row["data"]),
            version=row["version"],
            partner_id=row["partner"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            platform_status=json_value(row.get("platform_status")) or None,
            platform_polling=bool(row.get("platform_polling")),
        )

    def but(self, **changes: Any) -> Self:
        """A copy with `changes` applied (the record itself never changes)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class JobRecord:
    """One outbox job. `kind` is the automated action it runs (`generate_purchase_order`…),
    stored in the column `action`; a workflow *action* (approve, reject) is another thing."""

    id: int
    organisation_id: int
    document_id: int | None
    kind: str
    idempotency_key: str
    expected_state: str | None
    status: str
    attempts: int
    last_error: str | None
    result: Any
    payload: JsonObject
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    run_after: datetime | None = None
    lease_until: datetime | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        """Decode an `OutboxJob.select()` row (all columns)."""
        return cls(
            id=row["id"],
            organisation_id=row["organisation"],
            document_id=row["document"],
            kind=row["action"],
            idempotency_key=row["idempotency_key"],
            expected_state=row["expected_state"],
            status=row["status"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            result=json_value(row.get("result")),
            payload=json_object(row.get("payload")),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            finished_at=row.get("finished_at"),
            run_after=row.get("run_after"),
            lease_until=row.get("lease_until"),
        )


@dataclass(frozen=True)
class HistoryRecord:
    """One entry of a document's hash-chained history. `action` is the workflow action taken
    (or `create`, `update`, `migrate_version`, `platform_status`)."""

    organisation_id: int
    document_id: int
    seq: int
    at: datetime
    actor_name: str | None
    action: str
    from_state: str | None
    to_state: str
    comment: str | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            organisation_id=row["organisation"],
            document_id=row["document"],
            seq=row["seq"],
            at=row["at"],
            actor_name=row["actor_name"],
            action=row["action"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            comment=row["comment"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )

    def sealed_fields(self) -> dict[str, Any]:
        """The fields the entry's hash covers (see `models.history.entry_hash`)."""
        return {"document": self.document_id, "seq": self.seq, "at": self.at, "actor_name": self.actor_name,
                "action": self.action, "from_state": self.from_state, "to_state": self.to_state,
                "comment": self.comment}


@dataclass(frozen=True)
class AttachmentRecord:
    """A file kept for a document; `content` is loaded only by the reads that need the bytes."""

    id: int
    document_id: int
    kind: str
    filename: str
    media_type: str
    sha256: str
    size: int
    created_at: datetime
    content: bytes | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        content = row.get("content")
        return cls(
            id=row["id"],
            document_id=row["document"],
            kind=row["kind"],
            filename=row["filename"],
            media_type=row["media_type"],
            sha256=row["sha256"],
            size=row["size"],
            created_at=row["created_at"],
            content=bytes(content) if content is not None else None,
        )


@dataclass(frozen=True)
class OrganisationRecord:
    """An organisation as the jobs see it: its legal details and its e-invoicing platform."""

    id: int
    slug: str
    name: str
    siren: str | None
    flux_quota: int | None
    legal: JsonObject
    einvoicing_platform: JsonObject | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            siren=row.get("siren"),
            flux_quota=row.get("flux_quota"),
            legal=json_object(row.get("legal")),
            einvoicing_platform=json_value(row.get("einvoicing_platform")) or None,
        )
