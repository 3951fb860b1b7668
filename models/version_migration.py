"""Moving chosen running documents to a newer version of their type: explicit and audited.

Refused for a document whose current state does not exist in the new version; each move is
a history entry (`migrate_version`, with the two version numbers) in the document's chain.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from models.changes import Change, apply, lock
from models.database import write_transaction
from models.document_types import current_versions
from models.errors import NotFound
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
                document, pinned = await lock(viewer.organisation_id, document_id)
            except NotFound:
                results.append(Migrated(document_id, False, f"no document with id {document_id}"))
                continue
            if pinned.document_type_id != target.document_type_id:
                results.append(Migrated(document_id, False, f"{document.number} is not a {target.name}"))
                continue
            if pinned.version >= target.version:
                results.append(
                    Migrated(document_id, False, f"{document.number} is already on version {pinned.version}")
                )
                continue
            if document.state not in target.workflow.states:
                results.append(Migrated(
                    document_id, False,
                    f"{document.number} is in state '{document.state}', which version {target.version} does not have; "
                    "move it on first, or add the state to the new version",
                ))
                continue
            step = Step("migrate_version", "Moved to a new version", document.state, document.state,
                        comment=f"definition version {pinned.version} -> {target.version}")
            await apply(document, pinned, Change(steps=[step], pinned=target), actor=viewer, now=datetime.now(UTC))
            results.append(Migrated(document_id, True, f"{document.number} moved to version {target.version}"))
    return results
