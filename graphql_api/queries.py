"""Read side of the API: the viewer, document types, documents and the inbox."""

import strawberry
from strawberry.types import Info

from graphql_api.errors import ApiError
from graphql_api.inputs import DocumentFilter
from graphql_api.types import (
    CatalogEntry,
    Document,
    DocumentConnection,
    DocumentEdge,
    DocumentType,
    PageInfo,
    Viewer,
)
from models import catalogs, queries
from models.document_types import current_versions
from models.documents import parse_id
from models.errors import NotFound
from models.queries import BadCursor, Page, encode_cursor


def connection(page: Page) -> DocumentConnection:
    return DocumentConnection(
        edges=[DocumentEdge(cursor=encode_cursor(d.id), node=Document(record=d)) for d in page.documents],
        page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        total_count=page.total,
    )


def _page_size(first: int | None) -> int | None:
    if first is not None and not 0 <= first <= queries.MAX_PAGE:
        raise ApiError(f"first must be between 0 and {queries.MAX_PAGE}, got {first}")
    return first


@strawberry.type
class Query:
    @strawberry.field(description="The authenticated user or partner; null when the request carries no valid token.")
    def viewer(self, info: Info) -> Viewer | None:
        viewer = info.context.viewer
        return Viewer.of(viewer) if viewer else None

    @strawberry.field(description="Document types the viewer may see, at their current published version.")
    async def document_types(self, info: Info) -> list[DocumentType]:
        viewer = info.context.require_viewer()
        if viewer.is_partner:
            return []
        return [DocumentType(published=v) for v in await current_versions(viewer.organisation_id)]

    @strawberry.field
    async def document_type(self, info: Info, key: str) -> DocumentType | None:
        viewer = info.context.require_viewer()
        if viewer.is_partner:
            return None
        found = await current_versions(viewer.organisation_id, key)
        return DocumentType(published=found[0]) if found else None

    @strawberry.field(description="A document the viewer may see, else null.")
    async def document(self, info: Info, id: strawberry.ID) -> Document | None:
        info.context.require_viewer()
        try:
            document_id = parse_id(id)
        except NotFound:
            return None
        record = await info.context.loaders.documents.load(document_id)
        return Document(record=record) if record else None

    @strawberry.field(description="Documents the viewer may see, newest first.")
    async def documents(
        self, info: Info, filter: DocumentFilter | None = None, first: int | None = None, after: str | None = None
    ) -> DocumentConnection:
        viewer = info.context.require_viewer()
        filter = filter or DocumentFilter()
        try:
            page = await queries.list_documents(
                viewer,
                type_key=filter.document_type,
                state=filter.state,
                search=filter.search,
                first=_page_size(first),
                after=after,
            )
        except BadCursor as error:
            raise ApiError(str(error)) from None
        return connection(page)

    @strawberry.field(description="Active entries of a catalog, for reference fields; `search` matches code or label.")
    async def catalog_entries(
        self, info: Info, catalog: str, search: str | None = None, first: int | None = None
    ) -> list[CatalogEntry]:
        viewer = info.context.require_viewer()
        if viewer.is_partner:
            return []
        rows = await catalogs.search(viewer.organisation_id, catalog, search, _page_size(first) or 20)
        return [CatalogEntry(code=r["code"], label=r["label"], extra=r["extra"]) for r in rows]

    @strawberry.field(description="Documents waiting for an action of the viewer (own roles, scopes and delegations).")
    async def inbox(self, info: Info, first: int | None = None, after: str | None = None) -> DocumentConnection:
        viewer = info.context.require_viewer()
        try:
            page = await queries.inbox(viewer, first=_page_size(first), after=after)
        except BadCursor as error:
            raise ApiError(str(error)) from None
        return connection(page)
