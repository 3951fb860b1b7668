"""The designer's drafts: a document type's next definition, editable until it is published."""

import json
from datetime import UTC, datetime
from typing import Any

from models.document_types import PublishedVersion, current_versions, publish
from models.errors import NotFound
from models.records import json_value
from models.tables import DocumentType, DocumentTypeDraft

FIELDS = ("name", "category", "number_prefix", "json_schema", "ui_schema", "workflow", "permissions")
JSON_FIELDS = ("json_schema", "ui_schema", "workflow", "permissions")


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{k: json_value(row[k]) for k in JSON_FIELDS}}


async def get_draft(organisation_id: int, key: str) -> dict[str, Any] | None:
    """The saved draft, else the current published definition as a starting point."""
    row = await DocumentTypeDraft.select().where(
        (DocumentTypeDraft.organisation == organisation_id) & (DocumentTypeDraft.key == key)
    ).first()
    if row is not None:
        return {"key": key, "saved": True, **{f: _loaded(row)[f] for f in FIELDS}}
    versions = await current_versions(organisation_id, key)
    if not versions:
        return None
    return {"key": key, "saved": False, **draft_of(versions[0])}


async def list_drafts(organisation_id: int) -> list[dict[str, Any]]:
    """Saved drafts by key with their type's published version (0: never published), so a new
    type's draft stays reachable although no published type lists it."""
    rows = await DocumentTypeDraft.select(DocumentTypeDraft.key, DocumentTypeDraft.name,
                                          DocumentTypeDraft.updated_at).where(
        DocumentTypeDraft.organisation == organisation_id
    ).order_by(DocumentTypeDraft.key)
    types = await DocumentType.select(DocumentType.key, DocumentType.current_version).where(
        DocumentType.organisation == organisation_id
    )
    published = {row["key"]: row["current_version"] for row in types}
    return [{**row, "published_version": published.get(row["key"], 0)} for row in rows]


def draft_of(version: PublishedVersion) -> dict[str, Any]:
    return {"name": version.name, "category": version.category, "number_prefix": version.number_prefix,
            "json_schema": version.json_schema, "ui_schema": version.ui_schema, "workflow": version.workflow_raw,
            "permissions": version.permissions}


async def save_draft(organisation_id: int, key: str, values: dict[str, Any], user_id: int | None) -> dict[str, Any]:
    """Store the draft as given (checking happens on publish; the designer shows problems live)."""
    stored = {k: json.dumps(values[k]) if k in JSON_FIELDS else values[k] for k in FIELDS}
    existing = await DocumentTypeDraft.select(DocumentTypeDraft.id).where(
        (DocumentTypeDraft.organisation == organisation_id) & (DocumentTypeDraft.key == key)
    ).first()
    now = datetime.now(UTC)
    if existing:
        await DocumentTypeDraft.update({**stored, "updated_at": now, "updated_by": user_id}).where(
            DocumentTypeDraft.id == existing["id"]
        )
    else:
        await DocumentTypeDraft.insert(DocumentTypeDraft(organisation=organisation_id, key=key, updated_at=now,
                                                         updated_by=user_id, **stored))
    return {"key": key, "saved": True, **{k: values[k] for k in FIELDS}}


async def publish_draft(organisation_id: int, key: str, user_id: int | None) -> PublishedVersion:
    """Publish the saved draft as the next immutable version (the checker runs in `publish`)."""
    draft = await get_draft(organisation_id, key)
    if draft is None or not draft["saved"]:
        raise NotFound(f"no saved draft for {key!r}; save one first")
    version = await publish(organisation_id=organisation_id, key=key, published_by=user_id,
                            **{f: draft[f] for f in FIELDS})
    await DocumentTypeDraft.delete().where(
        (DocumentTypeDraft.organisation == organisation_id) & (DocumentTypeDraft.key == key)
    )
    return version
