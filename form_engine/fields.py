"""The top-level data keys of a form: what workflow conditions and screens may name."""

from typing import Any


def field_names(schema: dict[str, Any]) -> list[str]:
    """Names of the top-level properties, in schema order (computed ones included)."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return []
    return list(properties)
