"""Validation of document data against its JSON Schema, reporting every error in place.

Errors are values: a form with five mistakes gets five messages, each at the JSON
pointer of the field a screen shows it beside, worded for the person filling the form.
"""

import functools
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match

from form_engine.errors import FieldError, FormError, pointer, pointer_parts

_KINDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}

_FORMATS = {
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date and time (YYYY-MM-DDThh:mm:ss+01:00)",
    "time": "a time (hh:mm:ss+01:00)",
    "email": "an e-mail address",
    "uri": "an absolute URI",
    "uuid": "a UUID",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
}


def validate(schema: dict[str, Any], data: Any) -> list[FieldError]:
    """Every error of `data` against `schema`, sorted by path then message; never raises on data."""
    found: set[FieldError] = set()
    for error in validator_for(schema).iter_errors(data):
        found.update(_field_errors(error))
    return sorted(found, key=_order)


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """The checked validator of `schema`, built once per distinct schema content.

    Raises FormError when the schema is not plain JSON or not a valid draft 2020-12 schema.
    """
    try:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FormError(
            f"schema is not plain JSON ({exc}); use only objects, lists, strings, numbers, booleans and null"
        ) from exc
    return _validator(text)


@functools.lru_cache(maxsize=256)
def _validator(text: str) -> Draft202012Validator:
    schema = json.loads(text)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = pointer(exc.absolute_path) or "the root"
        raise FormError(f"schema is not a valid draft 2020-12 schema at {where}: {exc.message}") from exc
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _order(error: FieldError) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Sort key putting /lines/2 before /lines/10."""
    parts = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pointer_parts(error.path)
    )
    return parts, error.message


def _field_errors(error: ValidationError) -> Iterator[FieldError]:
    expand = _EXPANDERS.get(str(error.validator), _single)
    yield from expand(error)


def _single(error: ValidationError) -> Iterator[FieldError]:
    describe = _MESSAGES.get(str(error.validator))
    message = describe(error.validator_value, error.instance) if describe else error.message
    yield FieldError(pointer(error.absolute_path), message)


def _required(error: ValidationError) -> Iterator[FieldError]:
    """A missing field is reported where the field would be, so its control can show it."""
    if not isinstance(error.instance, dict):
        return
    for name in error.validator_value:
        if name not in error.instance:
            yield FieldError(pointer([*error.absolute_path, name]), f"{name} is required")


def _dependent_required(error: ValidationError) -> Iterator[FieldError]:
    if not isinstance(error.instance, dict):
        return
    for given, needed in error.validator_value.items():
        if given not in error.instance:
            continue
        for name in needed:
            if name not in error.instance:
                yield FieldError(
                    pointer([*error.absolute_path, name]),
                    f"{name} is required when {given} is given",
                )


def _additional(error: ValidationError) -> Iterator[FieldError]:
    """One message per unexpected key, on the object that holds it (no control shows the key)."""
    if error.validator_value is not False or not isinstance(error.instance, dict):
        yield from _single(error)
        return
    known = error.schema.get("properties", {})
    patterns = list(error.schema.get("patternProperties", {}))
    for key in error.instance:
        if key in known or any(re.search(pattern, str(key)) for pattern in patterns):
            continue
        yield FieldError(pointer(error.absolute_path), f"unexpected field {str(key)!r}")


def _alternatives(error: ValidationError) -> Iterator[FieldError]:
    """anyOf/oneOf: say which kinds were allowed, or relay the most relevant branch error."""
    branches = list(error.context or [])
    if not branches:
        yield FieldError(
            pointer(error.absolute_path),
            "must match exactly one of the allowed forms (it matches several)",
        )
        return
    if all(branch.validator == "type" and not branch.relative_path for branch in branches):
        kinds: list[str] = []
        for branch in branches:
            value = branch.validator_value
            kinds.extend([value] if isinstance(value, str) else value)
        message = f"must be {_kinds(list(dict.fromkeys(kinds)))} (got {_show(error.instance)})"
        yield FieldError(pointer(error.absolute_path), message)
        return
    yield from _field_errors(best_match(branches))


_EXPANDERS: dict[str, Callable[[ValidationError], Iterator[FieldError]]] = {
    "required": _required,
    "dependentRequired": _dependent_required,
    "additionalProperties": _additional,
    "anyOf": _alternatives,
    "oneOf": _alternatives,
}


def _show(value: Any) -> str:
    """A value as the user typed it (JSON-like), kept short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _kinds(value: str | list[str]) -> str:
    names = [value] if isinstance(value, str) else value
    return " or ".join(_KINDS.get(name, name) for name in names)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | dict) else 0


_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "type": lambda rule, value: f"must be {_kinds(rule)} (got {_show(value)})",
    "enum": lambda rule, value: (
        f"must be one of {', '.join(_show(item) for item in rule)} (got {_show(value)})"
    ),
    "const": lambda rule, value: f"must be {_show(rule)} (got {_show(value)})",
    "minimum": lambda rule, value: f"must be at least {_show(rule)} (got {_show(value)})",
    "maximum": lambda rule, value: f"must be at most {_show(rule)} (got {_show(value)})",
    "exclusiveMinimum": lambda rule, value: f"must be greater than {_show(rule)} (got {_show(value)})",
    "exclusiveMaximum": lambda rule, value: f"must be less than {_show(rule)} (got {_show(value)})",
    "multipleOf": lambda rule, value: f"must be a multiple of {_show(rule)} (got {_show(value)})",
    "minLength": lambda rule, value: f"must have at least {_count(rule, 'character')} (got {_size(value)})",
    "maxLength": lambda rule, value: f"must have at most {_count(rule, 'character')} (got {_size(value)})",
    "pattern": lambda rule, value: f"must match the pattern {rule} (got {_show(value)})",
    "format": lambda rule, value: f"must be {_FORMATS.get(rule, f'a valid {rule}')} (got {_show(value)})",
    "minItems": lambda rule, value: f"must have at least {_count(rule, 'item')}",
    "maxItems": lambda rule, value: f"must have at most {_count(rule, 'item')} (got {_size(value)})",
    "uniqueItems": lambda rule, value: "must not contain the same item twice",
    "minProperties": lambda rule, value: f"must have at least {_count(rule, 'field')}",
    "maxProperties": lambda rule, value: f"must have at most {_count(rule, 'field')} (got {_size(value)})",
    "unevaluatedProperties": lambda rule, value: "has fields this form does not define",
    "contains": lambda rule, value: "must contain at least one matching item",
    "not": lambda rule, value: f"is not an allowed value (got {_show(value)})",
    "None": lambda rule, value: f"is not allowed here (got {_show(value)})",  # a `false` schema
}
