"""Moving chosen running documents to a newer version of their type: explicit and audited.

Refused for a document whose current state does not exist in the new version; each move is
a history entry (`migrate_version`, with the two version numbers) in the document's chain.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from models.database import write_transaction
from models.document_types import current_versions
from models.documents import _lock, _write_audience, _write_steps
from models.outcomes import NotFound
from models.tables import Document
from models.viewers import Viewer
from rules.decisions import Step


@dataclass(frozen=True)
class Migrated:
    document_id: int
    migrated: bool
    message: str


async def migrate_documents(viewer: Viewer, type_key: str, document_ids: list[int]) -> list[Migrated]:
    """Move each document to the type's current version, one transaction per document."""
    versions = await current_versions(viewer.organisation_id, type_key)
    if not versions:
        raise NotFound(f"no published document type {type_key!r}")
    target = versions[0]
    results = []
    for document_id in document_ids:
        async with write_transaction():
            try:
                row, pinned = await _lock(viewer.organisation_id, document_id)
            except NotFound:
                results.append(Migrated(document_id, False, f"no document with id {document_id}"))
                continue
            if pinned.document_type_id != target.document_type_id:
                results.append(Migrated(document_id, False, f"{row['number']} is not a {target.name}"))
                continue
            if pinned.version >= target.version:
                results.append(Migrated(document_id, False, f"{row['number']} is already on version {pinned.version}"))
                continue
            if row["state"] not in target.workflow.states:
                results.append(Migrated(
                    document_id, False,
                    f"{row['number']} is in state '{row['state']}', which version {target.version} does not have; "
                    "move it on first, or add the state to the new version",
                ))
                continue
            now = datetime.now(UTC)
            new_version = row["version"] + 1
            await Document.update(
                {Document.type_version: target.id, Document.version: new_version, Document.updated_at: now}
            ).where(Document.id == row["id"])
            row = {**row, "type_version": target.id, "version": new_version}
            step = Step("migrate_version", "Moved to a new version", row["state"], row["state"],
                        comment=f"definition version {pinned.version} -> {target.version}")
            await _write_steps(viewer=viewer, row=row, steps=[step], actions=(), version=target, now=now)
            await _write_audience(row, target)
            results.append(Migrated(document_id, True, f"{row['number']} moved to version {target.version}"))
    return results
