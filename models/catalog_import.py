"""Importing catalog entries (suppliers, analytic codes, budgets…) from CSV, all or nothing."""

import csv
import io

from models.accounts import AccountError, organisation_by_slug
from models.catalogs import ensure_catalog, put_entry
from models.database import write_transaction
from models.errors import ModelError
from models.tables import CatalogEntry

MAX_ROWS = 50_000
MAX_BYTES = 10_000_000


class CatalogImportError(ModelError):
    """Raised when a CSV cannot be imported; the message lists every bad line."""


def parse_rows(text: str) -> list[dict[str, str]]:
    """Rows with `code`, `label` and extra columns; every problem reported with its line."""
    if len(text.encode()) > MAX_BYTES:
        raise CatalogImportError(f"the file is larger than {MAX_BYTES} bytes; split it")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if "code" not in header or "label" not in header:
        raise CatalogImportError(f"line 1: the header must name 'code' and 'label' columns (got {', '.join(header)})")
    problems, rows, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise CatalogImportError(f"more than {MAX_ROWS} rows; split the file")
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(f"line {line}: more values than header columns")
            continue
        code, label = row.get("code", ""), row.get("label", "")
        if not code:
            problems.append(f"line {line}: code is empty")
        elif len(code) > 64 or not all(c.isalnum() or c in "-_." for c in code):
            problems.append(f"line {line}: code {code!r} must be at most 64 letters, digits, '-', '_' or '.'")
        elif code in seen:
            problems.append(f"line {line}: code {code!r} already on line {seen[code]}")
        if not label:
            problems.append(f"line {line}: label is empty")
        seen.setdefault(code, line)
        rows.append(row)
    if problems:
        raise CatalogImportError(f"{len(problems)} problem(s), nothing imported:\n" + "\n".join(problems[:100]))
    return rows


async def import_csv(organisation_slug: str, catalog: str, text: str, *, deactivate_missing: bool = False) -> str:
    rows = parse_rows(text)
    try:
        org = await organisation_by_slug(organisation_slug)
    except AccountError as error:
        raise CatalogImportError(str(error)) from None
    async with write_transaction():
        catalog_id = await ensure_catalog(org, catalog, catalog.replace("_", " ").capitalize())
        for row in rows:
            extra = {k: v for k, v in row.items() if k not in ("code", "label") and v}
            await put_entry(org, catalog_id, row["code"], row["label"], extra)
        deactivated = 0
        if deactivate_missing:
            stale = await CatalogEntry.update({CatalogEntry.active: False}).where(
                (CatalogEntry.catalog == catalog_id) & CatalogEntry.code.not_in([r["code"] for r in rows])
            ).returning(CatalogEntry.id)
            deactivated = len(stale)
    return f"{len(rows)} entries imported into {catalog}" + (f", {deactivated} deactivated" if deactivated else "")
