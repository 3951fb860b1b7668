"""Reference data (suppliers, departments, analytic codes…) that form fields point into."""

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from piccolo.columns.combination import WhereRaw

from form_engine.catalogs import Reference
from models.tables import Catalog, CatalogEntry


async def active_codes(organisation_id: int, references: Iterable[Reference]) -> dict[str, set[str]]:
    """For the codes a document refers to, which are active entries of their catalog."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for ref in references:
        wanted[ref.catalog].add(ref.code)
    found: dict[str, set[str]] = defaultdict(set)
    for catalog, codes in wanted.items():
        rows = await CatalogEntry.select(CatalogEntry.code).where(
            (CatalogEntry.organisation == organisation_id)
            & (CatalogEntry.catalog.key == catalog)
            & (CatalogEntry.code.is_in(list(codes)))
            & (CatalogEntry.active == True)  # noqa: E712 (piccolo builds SQL from ==)
        )
        found[catalog] = {row["code"] for row in rows}
    return found


async def ensure_catalog(organisation_id: int, key: str, label: str) -> int:
    row = await Catalog.select(Catalog.id).where(
        (Catalog.organisation == organisation_id) & (Catalog.key == key)
    ).first()
    if row:
        return row["id"]
    catalog = Catalog(organisation=organisation_id, key=key, label=label)
    await catalog.save()
    return catalog.id


async def put_entry(
    organisation_id: int, catalog_id: int, code: str, label: str, extra: dict[str, Any] | None = None,
    active: bool = True,
) -> None:
    """Insert or update an entry by code."""
    existing = await CatalogEntry.select(CatalogEntry.id).where(
        (CatalogEntry.catalog == catalog_id) & (CatalogEntry.code == code)
    ).first()
    values = {"label": label, "extra": json.dumps(extra or {}), "active": active}
    if existing:
        await CatalogEntry.update(values).where(CatalogEntry.id == existing["id"])
    else:
        await CatalogEntry.insert(
            CatalogEntry(organisation=organisation_id, catalog=catalog_id, code=code, **values)
        )


async def search(organisation_id: int, catalog: str, text: str | None, limit: int) -> list[dict[str, Any]]:
    """Active entries whose code or label contains `text` (case-insensitive), by code."""
    query = CatalogEntry.select(CatalogEntry.code, CatalogEntry.label, CatalogEntry.extra).where(
        (CatalogEntry.organisation == organisation_id)
        & (CatalogEntry.catalog.key == catalog)
        & (CatalogEntry.active == True)  # noqa: E712 (piccolo builds SQL from ==)
    )
    if text:
        pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
        # LOWER on both sides: SQLite's LIKE ignores ASCII case only (its LOWER is Unicode here)
        folded = pattern.lower()
        query = query.where(
            WhereRaw("(LOWER(catalog_entry.code) LIKE {} OR LOWER(catalog_entry.label) LIKE {})", folded, folded)
        )
    rows = await query.order_by(CatalogEntry.code).limit(limit)
    for row in rows:
        if isinstance(row["extra"], str):
            row["extra"] = json.loads(row["extra"])
    return rows
