"""A document type as one JSON file, to move a definition between organisations or platforms.

The file holds everything the definition needs to be published elsewhere: the JSON Schema,
the UI schema, the workflow, the permissions and every catalog the schema names through
`x-catalog`, with its entries::

    {"format": "parapheur.document-type/1", "key": "purchase_request", "name": …,
     "category": …, "number_prefix": "DA", "permissions": {…}, "version": 3,
     "json_schema": {…}, "ui_schema": {…}, "workflow": {…},
     "catalogs": {"suppliers": {"label": "Suppliers",
                                "entries": [{"code", "label", "extra", "active"}]}},
     "exported_at": "2026-01-31T12:00:00+00:00"}

Importing publishes through `models.document_types.publish`, so the definition checker runs
as for any other version; missing catalogs, entries and roles are created first, in the same
transaction, and existing entries are left as they are unless the caller asks otherwise.
`version` and `exported_at` are informative: an import publishes the next version there.
"""

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from models.catalogs import ensure_catalog
from models.database import write_transaction
from models.document_types import PublishedVersion, current_versions, publish, version_by_id
from models.records import json_value
from models.tables import Catalog, CatalogEntry, DocumentTypeVersion, Role
from rules.definitions import humanise, kind_of

__all__ = ["FORMAT", "MAX_BYTES", "ExchangeError", "export_type", "import_type", "parse_exported", "check_exported"]

FORMAT = "parapheur.document-type/1"
MAX_BYTES = 5 * 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_REQUIRED = ("format", "key", "name", "number_prefix", "json_schema", "ui_schema", "workflow")
_OPTIONAL = ("category", "permissions", "catalogs", "version", "exported_at")
_TEXT_LIMITS = {"key": 64, "name": 200, "category": 64, "number_prefix": 16}
_ENTRY_KEYS = ("code", "label", "extra", "active")
_INSERT_BATCH = 500


class ExchangeError(Exception):
    """Raised when an exported document type cannot be read or imported; `problems` lists why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{len(problems)} problems in the exported document type:\n" + "\n".join(
                f"  {problem}" for problem in problems
            )
        super().__init__(message)


async def export_type(organisation_id: int, key: str, *, version: int | None = None) -> dict[str, Any]:
    """The current version (or the numbered one) of a document type, ready for `json.dumps`."""
    published = await _version(organisation_id, key, version)
    catalogs: dict[str, Any] = {}
    for catalog_key in sorted(set(_catalog_keys(published.json_schema))):
        catalogs[catalog_key] = await _catalog(organisation_id, catalog_key)
    return {
        "format": FORMAT,
        "key": published.key,
        "name": published.name,
        "category": published.category,
        "number_prefix": published.number_prefix,
        "permissions": published.permissions,
        "version": published.version,
        "json_schema": published.json_schema,
        "ui_schema": published.ui_schema,
        "workflow": published.workflow_raw,
        "catalogs": catalogs,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def parse_exported(raw: bytes) -> dict[str, Any]:
    """Read an uploaded export file (at most 5 MB of UTF-8 JSON holding an object)."""
    if len(raw) > MAX_BYTES:
        raise ExchangeError(
            [f"the file is {len(raw) / 1024 / 1024:.1f} MB; an exported document type is at most 5 MB"]
        )
    try:
        parsed = json.loads(raw)
    except UnicodeDecodeError as error:
        raise ExchangeError([f"the file is not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    except json.JSONDecodeError as error:
        raise ExchangeError(
            [f"the file is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]
        ) from None
    if not isinstance(parsed, dict):
        raise ExchangeError([f"the file must hold a JSON object (an exported document type), not {kind_of(parsed)}"])
    return parsed


def check_exported(exported: Any) -> list[str]:
    """Every problem of the file's shape, each naming the key concerned; empty when importable.

    The definition itself (schema, UI schema, workflow) is checked on publish."""
    if not isinstance(exported, Mapping):
        return [f"an exported document type must be a JSON object, not {kind_of(exported)}"]
    problems = [f"'{key}' is missing" for key in _REQUIRED if key not in exported]
    problems += [
        f"unknown key '{key}'; keys are: {', '.join(_REQUIRED + _OPTIONAL)}"
        for key in exported
        if key not in _REQUIRED + _OPTIONAL
    ]
    if "format" in exported and exported["format"] != FORMAT:
        problems.append(f"'format' is {exported['format']!r}; this platform reads {FORMAT!r}")
    for key, limit in _TEXT_LIMITS.items():
        if key in exported:
            problems += _text(exported[key], key, limit)
    if isinstance(exported.get("key"), str) and not _KEY.match(exported["key"]):
        problems.append(f"'key' {exported['key']!r} may hold only letters, digits, '_', '.' and '-'")
    for key in ("json_schema", "ui_schema", "workflow", "permissions"):
        if key in exported and not isinstance(exported[key], Mapping):
            problems.append(f"'{key}' must be an object, not {kind_of(exported[key])}")
    if "catalogs" in exported:
        problems += list(_catalog_problems(exported["catalogs"]))
    return problems


async def import_type(
    organisation_id: int,
    exported: Any,
    *,
    include_catalog_entries: bool = True,
    overwrite_entries: bool = False,
    published_by: int | None = None,
) -> PublishedVersion:
    """Publish an exported document type in this organisation, as its next version.

    Creates the catalogs, entries (unless `include_catalog_entries` is false) and roles it
    needs; an entry whose code exists is updated only when `overwrite_entries` is true.
    All or nothing: raises `ExchangeError` for a malformed file and
    `models.document_types.DefinitionRejected` when the checker refuses the definition.
    """
    problems = check_exported(exported)
    if problems:
        raise ExchangeError(problems)
    catalogs: Mapping[str, Any] = exported.get("catalogs", {})
    async with write_transaction():
        for catalog_key in sorted(set(catalogs) | set(_catalog_keys(exported["json_schema"]))):
            spec = catalogs.get(catalog_key, {})
            catalog_id = await ensure_catalog(organisation_id, catalog_key, spec.get("label") or humanise(catalog_key))
            if include_catalog_entries:
                await _put_entries(organisation_id, catalog_id, spec.get("entries", []), overwrite_entries)
        await _ensure_roles(organisation_id, exported["workflow"], exported.get("permissions", {}))
        return await publish(
            organisation_id=organisation_id,
            key=exported["key"],
            name=exported["name"],
            category=exported.get("category") or "other",
            number_prefix=exported["number_prefix"],
            json_schema=exported["json_schema"],
            ui_schema=exported["ui_schema"],
            workflow=exported["workflow"],
            permissions=exported.get("permissions", {}),
            published_by=published_by,
        )


async def _version(organisation_id: int, key: str, number: int | None) -> PublishedVersion:
    if number is None:
        found = await current_versions(organisation_id, key)
        if found:
            return found[0]
    else:
        row = await DocumentTypeVersion.select(DocumentTypeVersion.id).where(
            (DocumentTypeVersion.organisation == organisation_id)
            & (DocumentTypeVersion.document_type.key == key)
            & (DocumentTypeVersion.version == number)
        ).first()
        published = await version_by_id(row["id"], organisation_id) if row else None
        if published is not None:
            return published
    known = ", ".join(v.key for v in await current_versions(organisation_id)) or "none"
    which = f"version {number} of " if number is not None else ""
    raise ExchangeError([f"no {which}document type {key!r} in this organisation; published types: {known}"])


async def _catalog(organisation_id: int, key: str) -> dict[str, Any]:
    row = await Catalog.select(Catalog.id, Catalog.label).where(
        (Catalog.organisation == organisation_id) & (Catalog.key == key)
    ).first()
    if row is None:  # named by the schema but never created here: export it empty
        return {"label": humanise(key), "entries": []}
    entries = await CatalogEntry.select(
        CatalogEntry.code, CatalogEntry.label, CatalogEntry.extra, CatalogEntry.active
    ).where(CatalogEntry.catalog == row["id"]).order_by(CatalogEntry.code)
    return {
        "label": row["label"],
        "entries": [
            {"code": e["code"], "label": e["label"], "extra": json_value(e["extra"]), "active": bool(e["active"])}
            for e in entries
        ],
    }


async def _put_entries(organisation_id: int, catalog_id: int, entries: list[Any], overwrite: bool) -> None:
    existing = {
        row["code"]: row["id"]
        for row in await CatalogEntry.select(CatalogEntry.id, CatalogEntry.code).where(
            CatalogEntry.catalog == catalog_id
        )
    }
    new = []
    for entry in entries:
        values = {"label": entry["label"], "extra": json.dumps(entry.get("extra") or {}),
                  "active": entry.get("active", True)}
        if entry["code"] not in existing:
            new.append(CatalogEntry(organisation=organisation_id, catalog=catalog_id, code=entry["code"], **values))
        elif overwrite:
            await CatalogEntry.update(values).where(CatalogEntry.id == existing[entry["code"]])
    for start in range(0, len(new), _INSERT_BATCH):
        await CatalogEntry.insert(*new[start:start + _INSERT_BATCH])


async def _ensure_roles(organisation_id: int, workflow: Mapping[str, Any], permissions: Mapping[str, Any]) -> None:
    """Create the roles the workflow and the permissions name that the organisation lacks."""
    named = [*_strings(workflow.get("roles")), *_strings(permissions.get("create"))]
    states = workflow.get("states")
    for state in states.values() if isinstance(states, Mapping) else ():
        for assignee in state.get("assignees", []) if isinstance(state, Mapping) else ():
            if isinstance(assignee, Mapping):
                named += _strings([assignee.get("role")])
    transitions = workflow.get("transitions")
    for transition in transitions if isinstance(transitions, list) else ():
        if isinstance(transition, Mapping):
            named += _strings(transition.get("roles"))
    existing = {r["key"] for r in await Role.select(Role.key).where(Role.organisation == organisation_id)}
    missing = [role for role in dict.fromkeys(named) if role not in existing]
    too_long = [role for role in missing if len(role) > 64]
    if too_long:
        raise ExchangeError([f"role {role!r} is longer than 64 characters" for role in too_long])
    if missing:
        await Role.insert(*(Role(organisation=organisation_id, key=role, label=humanise(role)) for role in missing))


def _catalog_keys(schema: Any) -> Iterator[str]:
    """Every catalog named by `x-catalog`, anywhere in the schema, in schema order."""
    if isinstance(schema, Mapping):
        if isinstance(schema.get("x-catalog"), str):
            yield schema["x-catalog"]
        for value in schema.values():
            yield from _catalog_keys(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _catalog_keys(value)


def _catalog_problems(catalogs: Any) -> Iterator[str]:
    if not isinstance(catalogs, Mapping):
        yield f"'catalogs' must be an object of catalog key -> {{label, entries}}, not {kind_of(catalogs)}"
        return
    for key, spec in catalogs.items():
        where = f"catalogs/{key}"
        if len(key) > 64 or not _KEY.match(key):
            yield f"'{where}': a catalog key is 1 to 64 letters, digits, '_', '.' or '-'"
        if not isinstance(spec, Mapping):
            yield f"'{where}' must be an object with 'label' and 'entries', not {kind_of(spec)}"
            continue
        yield from (f"'{where}/{k}' is not a catalog key; keys are: label, entries" for k in spec
                    if k not in ("label", "entries"))
        yield from _text(spec.get("label"), f"{where}/label", 200)
        entries = spec.get("entries", [])
        if not isinstance(entries, list):
            yield f"'{where}/entries' must be an array, not {kind_of(entries)}"
            continue
        codes: set[str] = set()
        for index, entry in enumerate(entries):
            yield from _entry_problems(entry, f"{where}/entries/{index}", codes)


def _entry_problems(entry: Any, where: str, codes: set[str]) -> Iterator[str]:
    if not isinstance(entry, Mapping):
        yield f"'{where}' must be an object with code, label, extra and active, not {kind_of(entry)}"
        return
    yield from (f"'{where}/{k}' is not an entry key; keys are: {', '.join(_ENTRY_KEYS)}" for k in entry
                if k not in _ENTRY_KEYS)
    yield from _text(entry.get("code"), f"{where}/code", 64)
    yield from _text(entry.get("label"), f"{where}/label", 200)
    if entry.get("extra") is not None and not isinstance(entry["extra"], Mapping):
        yield f"'{where}/extra' must be an object, not {kind_of(entry['extra'])}"
    if "active" in entry and not isinstance(entry["active"], bool):
        yield f"'{where}/active' must be true or false, not {kind_of(entry['active'])}"
    code = entry.get("code")
    if isinstance(code, str):
        if code in codes:
            yield f"'{where}/code' {code!r} appears twice in this catalog"
        codes.add(code)


def _text(value: Any, where: str, limit: int) -> list[str]:
    if value is None:
        return [f"'{where}' is missing"]
    if not isinstance(value, str):
        return [f"'{where}' must be a string, not {kind_of(value)}"]
    if not value.strip():
        return [f"'{where}' is empty"]
    if len(value) > limit:
        return [f"'{where}' is {len(value)} characters long; the limit is {limit}"]
    return []


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str) and item] if isinstance(value, list) else []
