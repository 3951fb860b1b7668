"""DataLoaders: one query per kind of related data per request, however long the list."""

from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from piccolo.apps.user.tables import BaseUser
from strawberry.dataloader import DataLoader

from models import attachments, history
from models.document_types import current_versions_by_type, versions_by_ids
from models.queries import jobs_of, links_of, visible_documents_by_id
from models.records import AttachmentRecord, HistoryRecord, JobRecord
from models.viewers import Viewer

K = TypeVar("K")
V = TypeVar("V")


def _loader(load: Callable[[list[Any]], Coroutine[Any, Any, dict[Any, Any]]], default: Any = None) -> DataLoader:
    async def batch(keys: list[Any]) -> list[Any]:
        found = await load(list(keys))
        return [found.get(key, default() if callable(default) else default) for key in keys]

    return DataLoader(load_fn=batch)


class Loaders:
    """Built per request for one viewer, so every batch is scoped to its organisation."""

    def __init__(self, viewer: Viewer):
        self.viewer = viewer
        org = viewer.organisation_id
        self.versions: DataLoader = _loader(lambda ids: versions_by_ids(ids, org))
        self.current_versions: DataLoader = _loader(lambda ids: current_versions_by_type(org, ids))
        self.usernames: DataLoader = _loader(self._usernames)
        self.history: DataLoader = _loader(self._history, default=list)
        self.links: DataLoader = _loader(self._links, default=list)
        self.jobs: DataLoader = _loader(self._jobs, default=list)
        self.attachments: DataLoader = _loader(self._attachments, default=list)
        self.documents: DataLoader = _loader(lambda ids: visible_documents_by_id(viewer, ids))

    async def _usernames(self, user_ids: list[int]) -> dict[int, str]:
        rows = await BaseUser.select(BaseUser.id, BaseUser.username).where(BaseUser.id.is_in(user_ids))
        return {r["id"]: r["username"] for r in rows}

    async def _history(self, ids: list[int]) -> dict[int, list[HistoryRecord]]:
        grouped: dict[int, list[HistoryRecord]] = defaultdict(list)
        for entry in await history.entries_of(self.viewer.organisation_id, ids):
            grouped[entry.document_id].append(entry)
        return grouped

    async def _links(self, ids: list[int]) -> dict[int, list[tuple[str, int]]]:
        wanted = set(ids)
        grouped: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for source, target, kind in await links_of(self.viewer.organisation_id, ids):
            if source in wanted:
                grouped[source].append((kind, target))
            if target in wanted:
                grouped[target].append(("origin", source))
        return grouped

    async def _attachments(self, ids: list[int]) -> dict[int, list[AttachmentRecord]]:
        grouped: dict[int, list[AttachmentRecord]] = defaultdict(list)
        for attachment in await attachments.of_documents(self.viewer.organisation_id, ids):
            grouped[attachment.document_id].append(attachment)
        return grouped

    async def _jobs(self, ids: list[int]) -> dict[int, list[JobRecord]]:
        grouped: dict[int, list[JobRecord]] = defaultdict(list)
        for job in await jobs_of(self.viewer.organisation_id, ids):
            if job.document_id is not None:
                grouped[job.document_id].append(job)
        return grouped
