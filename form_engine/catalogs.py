"""References from document fields to catalog entries (suppliers, departments, analytic codes).

The schema only names the catalog (`"x-catalog": "suppliers"`); which codes are active lives
in the database, so the caller looks them up and passes them to `unknown_references`.
"""

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from form_engine.errors import FieldError, pointer


@dataclass(frozen=True)
class Reference:
    """A code found in the data at `path` that must be an active entry of `catalog`."""

    path: str
    catalog: str
    code: str


def catalog_references(schema: dict[str, Any], data: Any) -> list[Reference]:
    """Every string value of an `x-catalog` field, top level and in array items, in data order."""
    if not isinstance(data, dict):
        return []
    return list(_references(schema, data, []))


def unknown_references(
    refs: Collection[Reference], active: Mapping[str, Collection[str]]
) -> list[FieldError]:
    """One error per code not active in its catalog, so no document names a retired supplier."""
    return [
        FieldError(ref.path, f"{ref.code!r} is not an active entry of catalog {ref.catalog!r}")
        for ref in refs
        if ref.code not in active.get(ref.catalog, ())
    ]


def _references(schema: Any, data: dict[str, Any], at: list[str | int]) -> Iterator[Reference]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return
    for name, spec in properties.items():
        if name not in data or not isinstance(spec, dict):
            continue
        value = data[name]
        yield from _codes(spec, value, [*at, name])
        items = spec.get("items")
        if isinstance(value, list) and isinstance(items, dict):
            for index, item in enumerate(value):
                yield from _codes(items, item, [*at, name, index])
                if isinstance(item, dict):
                    yield from _references(items, item, [*at, name, index])


def _codes(spec: dict[str, Any], value: Any, at: list[str | int]) -> Iterator[Reference]:
    catalog = spec.get("x-catalog")
    if isinstance(catalog, str) and isinstance(value, str):
        yield Reference(pointer(at), catalog, value)
