"""Repair of text stored before the input boundary refused it: NUL characters and lone UTF-16
surrogates in documents and drafts.

PostgreSQL's `json` type keeps `\\u0000` and `\\ud800` as written, but search casts the data to
`jsonb`, which refuses both, so one such document broke search for everyone who could see it;
SQLite's search fails the same way on a lone surrogate. The boundary now refuses them on the
way in; this rewrites what is already stored (NUL removed, a lone surrogate becomes U+FFFD, the
replacement character), once, from a migration. History entries are left alone: they are
hash-chained, and no query casts them.
"""

import json
from typing import Any

from piccolo.querystring import QueryString

from models.database import current_engine

REPLACEMENT = "\ufffd"

# table -> (JSON columns, text columns) that hold what clients wrote
STORED_TEXT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "document": (("data",), ()),
    "document_type_draft": (("json_schema", "ui_schema", "workflow", "permissions"), ("name", "category")),
}


def clean_text(text: str) -> str:
    if "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return "".join(REPLACEMENT if "\ud800" <= c <= "\udfff" else c for c in text.replace("\x00", ""))


def clean_value(value: Any) -> Any:
    """The same JSON value with every key and string cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_value(item) for key, item in value.items()}
    return value


def _repaired_json(stored: str | None) -> str | None:
    """The cleaned JSON text, or None when the stored text needs no change."""
    if stored is None or ("\\u0000" not in stored and "\\ud" not in stored.lower() and "\x00" not in stored):
        return None
    value = json.loads(stored)
    cleaned = clean_value(value)
    return json.dumps(cleaned) if cleaned != value else None


async def repair_stored_text() -> int:
    """Rewrite every stored NUL or lone surrogate; returns how many rows changed."""
    engine = current_engine()
    changed = 0
    for table, (json_columns, text_columns) in STORED_TEXT.items():
        columns = ", ".join([*(f"CAST({c} AS TEXT) AS {c}" for c in json_columns), *text_columns])
        for row in await engine.run_querystring(QueryString(f"SELECT id, {columns} FROM {table}")):  # noqa: S608 (our names)
            updates = {c: _repaired_json(row[c]) for c in json_columns}
            updates |= {c: clean_text(row[c]) for c in text_columns if row[c] is not None}
            updates = {c: v for c, v in updates.items() if v is not None and v != row[c]}
            if updates:
                assignments = ", ".join(f"{c} = {{}}" for c in updates)
                statement = f"UPDATE {table} SET {assignments} WHERE id = {{}}"  # noqa: S608
                await engine.run_querystring(QueryString(statement, *updates.values(), row["id"]))
                changed += 1
    return changed
