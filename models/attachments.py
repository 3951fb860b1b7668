"""Files produced for documents (Order-X, UBL, printable pages), addressed by their SHA-256."""

import hashlib
from typing import Any

from models.tables import Attachment

MAX_BYTES = 20_000_000

_COLUMNS = (Attachment.id, Attachment.document, Attachment.kind, Attachment.filename, Attachment.media_type,
            Attachment.sha256, Attachment.size, Attachment.created_at)


async def store(
    organisation_id: int, document_id: int, kind: str, filename: str, media_type: str, content: bytes
) -> dict[str, Any]:
    """Keep a file once: the same bytes for the same document and kind are the same attachment."""
    if len(content) > MAX_BYTES:
        raise ValueError(f"{filename} is {len(content)} bytes; attachments are limited to {MAX_BYTES}")
    digest = hashlib.sha256(content).hexdigest()
    existing = await Attachment.select(*_COLUMNS).where(
        (Attachment.document == document_id) & (Attachment.kind == kind) & (Attachment.sha256 == digest)
    ).first()
    if existing:
        return existing
    row = Attachment(organisation=organisation_id, document=document_id, kind=kind, filename=filename,
                     media_type=media_type, sha256=digest, size=len(content), content=content)
    await row.save()
    return await Attachment.select(*_COLUMNS).where(Attachment.id == row.id).first()


async def of_documents(organisation_id: int, document_ids: list[int]) -> list[dict[str, Any]]:
    """Metadata (no content) of the attachments of these documents, oldest first."""
    return await Attachment.select(*_COLUMNS).where(
        (Attachment.organisation == organisation_id) & Attachment.document.is_in(document_ids)
    ).order_by(Attachment.id)


async def latest(organisation_id: int, document_id: int, kind: str) -> dict[str, Any] | None:
    """The newest attachment of a kind, with its content."""
    return await Attachment.select().where(
        (Attachment.organisation == organisation_id) & (Attachment.document == document_id) & (Attachment.kind == kind)
    ).order_by(Attachment.id, ascending=False).first()


async def content_of(organisation_id: int, attachment_id: int) -> dict[str, Any] | None:
    return await Attachment.select().where(
        (Attachment.organisation == organisation_id) & (Attachment.id == attachment_id)
    ).first()
