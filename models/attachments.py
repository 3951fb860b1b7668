"""Files produced for documents (Order-X, UBL, printable pages), addressed by their SHA-256."""

import hashlib

from models.errors import ModelError
from models.records import AttachmentRecord
from models.tables import Attachment

MAX_BYTES = 20_000_000

_COLUMNS = (Attachment.id, Attachment.document, Attachment.kind, Attachment.filename, Attachment.media_type,
            Attachment.sha256, Attachment.size, Attachment.created_at)


class AttachmentTooLarge(ModelError):
    """Raised when a file is over the attachment size limit."""


async def store(
    organisation_id: int, document_id: int, kind: str, filename: str, media_type: str, content: bytes
) -> AttachmentRecord:
    """Keep a file once: the same bytes for the same document and kind are the same attachment."""
    if len(content) > MAX_BYTES:
        raise AttachmentTooLarge(f"{filename} is {len(content):,} bytes; attachments are limited to {MAX_BYTES:,}")
    digest = hashlib.sha256(content).hexdigest()
    existing = await Attachment.select(*_COLUMNS).where(
        (Attachment.document == document_id) & (Attachment.kind == kind) & (Attachment.sha256 == digest)
    ).first()
    if existing:
        return AttachmentRecord.of(existing)
    rows = await Attachment.insert(
        Attachment(organisation=organisation_id, document=document_id, kind=kind, filename=filename,
                   media_type=media_type, sha256=digest, size=len(content), content=content)
    ).returning(*_COLUMNS)
    return AttachmentRecord.of(rows[0])


async def of_documents(organisation_id: int, document_ids: list[int]) -> list[AttachmentRecord]:
    """Metadata (no content) of the attachments of these documents, oldest first."""
    rows = await Attachment.select(*_COLUMNS).where(
        (Attachment.organisation == organisation_id) & Attachment.document.is_in(document_ids)
    ).order_by(Attachment.id)
    return [AttachmentRecord.of(row) for row in rows]


async def latest(organisation_id: int, document_id: int, kind: str) -> AttachmentRecord | None:
    """The newest attachment of a kind, with its content."""
    row = await Attachment.select().where(
        (Attachment.organisation == organisation_id) & (Attachment.document == document_id) & (Attachment.kind == kind)
    ).order_by(Attachment.id, ascending=False).first()
    return AttachmentRecord.of(row) if row else None


async def content_of(organisation_id: int, attachment_id: int) -> AttachmentRecord | None:
    row = await Attachment.select().where(
        (Attachment.organisation == organisation_id) & (Attachment.id == attachment_id)
    ).first()
    return AttachmentRecord.of(row) if row else None
