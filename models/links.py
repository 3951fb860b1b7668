"""Links between documents (purchase request -> purchase order -> invoice)."""

from typing import Any

from models.tables import Link


async def link(organisation_id: int, source: int, target: int, kind: str) -> None:
    exists = await Link.exists().where((Link.source == source) & (Link.target == target) & (Link.kind == kind))
    if not exists:
        await Link.insert(Link(organisation=organisation_id, source=source, target=target, kind=kind))


async def targets(organisation_id: int, source: int, kind: str) -> list[int]:
    rows = await Link.select(Link.target).where(
        (Link.organisation == organisation_id) & (Link.source == source) & (Link.kind == kind)
    ).order_by(Link.id)
    return [row["target"] for row in rows]


async def catalog_entry(organisation_id: int, catalog: str, code: str) -> dict[str, Any] | None:
    """A catalog entry with its extra fields parsed (supplier name, SIREN, e-mail…)."""
    import json

    from models.tables import CatalogEntry

    row = await CatalogEntry.select().where(
        (CatalogEntry.organisation == organisation_id) & (CatalogEntry.catalog.key == catalog)
        & (CatalogEntry.code == code)
    ).first()
    if row and isinstance(row["extra"], str):
        row["extra"] = json.loads(row["extra"])
    return row
