"""The JSON Forms dialect as the screen compiler reads it: scopes, data paths, schemas and rules.

JSON Forms evaluates a rule in the browser with ajv; the server must reach the same verdict,
or it would refuse data the screen let the user type (or accept data for a hidden field).
So conditions follow `@jsonforms/core` to the letter: a scope becomes a data path by keeping
every other segment, a value missing from the data is JavaScript's `undefined` (which matches
no `type`, `const` or `enum`, and passes every keyword that constrains another type), LEAF
compares with `===`, and a condition of no known shape (a JavaScript `validate` function once
serialised) is reported, not guessed. Schemas are read as JSON Forms reads them too: through
`$ref`, with allOf merged and a oneOf/anyOf of objects offering the properties of every branch.
"""

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from form_engine.errors import pointer_parts


class _Undefined:
    """JavaScript's `undefined`: what a scope resolves to when the data has nothing there."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()
_COMBINATOR_STEP = re.compile(r"(anyOf|allOf|oneOf)/\d+/")
_BRANCH_STEP = re.compile(r"(then|else)/")
_MAX_REFS = 32
_MAX_MERGES = 8


@dataclass(frozen=True)
class Outcome:
    """What a rule does to its element; `problem` says why it could not be evaluated."""

    visible: bool = True
    enabled: bool = True
    problem: str | None = None


def data_path(scope: str) -> list[str]:
    """The data keys a scope designates, as JSON Forms' `toDataPathSegments` computes them.

    `#/properties/address/properties/city` -> ["address", "city"]; combinator and
    if/then/else steps are dropped, so `#/anyOf/0/then/properties/x` -> ["x"].
    """
    text = _BRANCH_STEP.sub("", _COMBINATOR_STEP.sub("", scope))
    segments = [part.replace("~1", "/").replace("~0", "~") for part in text.split("/")]
    start = 2 if segments[0] in ("#", "") else 1
    return segments[start::2]


def resolve_data(data: Any, path: list[str]) -> Any:
    """The value at `path`, or UNDEFINED when any step is missing (JSON Forms' `resolveData`)."""
    for key in path:
        if isinstance(data, Mapping) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return UNDEFINED
    return data


def resolve_scope(root: Any, scope: Any, base: Any = None) -> dict[str, Any] | None:
    """The schema a scope designates (relative to `base`, the root by default), or None.

    Like JSON Forms' `resolveSchema`: `$ref`s are followed, and a `properties`/`items` step
    that fails is retried inside allOf/anyOf/oneOf/then/else, so `#/properties/age` finds a
    property declared only in `anyOf/0/then`.
    """
    if not isinstance(scope, str) or not (scope == "#" or scope.startswith(("#/", "/"))):
        return None
    parts = [part for part in pointer_parts(scope[1:] if scope.startswith("#") else scope) if part != ""]
    node = _resolve(root, root if base is None else base, parts, 0)
    if node is True:  # the boolean schema that allows anything
        return {}
    return node if isinstance(node, dict) else None


def dereference(root: Any, node: Any, refs: int = 0) -> Any:
    """Follow local `$ref`s until a schema without one (None for a broken or cyclic one)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or refs >= _MAX_REFS:
            return None
        refs += 1
        node = _resolve(root, root, [part for part in pointer_parts(ref[1:]) if part != ""], refs)
    return node


def _resolve(root: Any, node: Any, parts: list[str], refs: int) -> Any:
    node = dereference(root, node, refs)
    if not parts or node is None:
        return node
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        child = node[int(head)] if head.isdigit() and int(head) < len(node) else None
    else:
        child = node.get(head) if isinstance(node, dict) else None
    found = _resolve(root, child, rest, refs) if child is not None else None
    if found is not None or head not in ("properties", "items") or not isinstance(node, dict):
        return found
    for branch in _branches(node):
        found = _resolve(root, branch, parts, refs + 1)
        if found is not None:
            return found
    return None


def _branches(node: dict[str, Any]) -> Iterator[Any]:
    for keyword in ("oneOf", "allOf", "anyOf"):
        branches = node.get(keyword)
        if isinstance(branches, list):
            yield from branches
    for keyword in ("then", "else"):
        if isinstance(node.get(keyword), dict):
            yield node[keyword]


def evaluate_rule(rule: Any, data: Any) -> Outcome:
    """The effect of `rule` on its element for `data` (the root data, or a table row)."""
    if not isinstance(rule, dict):
        return Outcome(problem="a rule must be an object with effect and condition")
    effect = rule.get("effect")
    if effect not in ("SHOW", "HIDE", "ENABLE", "DISABLE"):
        return Outcome(problem=f"unknown effect {effect!r}; use SHOW, HIDE, ENABLE or DISABLE")
    try:
        holds = _holds(rule.get("condition"), data)
    except _Unsupported as exc:
        return Outcome(problem=str(exc))
    if effect in ("SHOW", "HIDE"):
        return Outcome(visible=holds == (effect == "SHOW"))
    return Outcome(enabled=holds == (effect == "ENABLE"))


class _Unsupported(Exception):
    """Raised when a condition has no shape a JSON-only engine can evaluate."""


def _holds(condition: Any, data: Any) -> bool:
    if not isinstance(condition, dict):
        raise _Unsupported("the rule has no condition object")
    kind = condition.get("type")
    if kind in ("AND", "OR"):
        parts = condition.get("conditions")
        if not isinstance(parts, list):
            raise _Unsupported(f"an {kind} condition needs a list of conditions")
        results = [_holds(part, data) for part in parts]  # all evaluated: any unsupported part is reported
        return all(results) if kind == "AND" else any(results)
    scope = condition.get("scope")
    if not isinstance(scope, str):
        raise _Unsupported("the condition has no scope")
    value = resolve_data(data, data_path(scope))
    if kind == "LEAF":
        return _strictly_equal(value, condition.get("expectedValue", UNDEFINED))
    if "schema" in condition:
        if condition.get("failWhenUndefined") is True and value is UNDEFINED:
            return False
        return _validates(condition["schema"], value)
    raise _Unsupported(
        "the condition has no schema, type or expectedValue (a JavaScript validate function "
        "cannot be stored as JSON); the element stays visible and enabled"
    )


def _strictly_equal(value: Any, expected: Any) -> bool:
    """JavaScript `===`: no coercion between booleans and numbers; objects are never equal."""
    if isinstance(value, dict | list) or isinstance(expected, dict | list):
        return False
    if value is UNDEFINED or expected is UNDEFINED:
        return value is expected
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


def _validates(schema: Any, value: Any) -> bool:
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        raise _Unsupported("the condition schema is not plain JSON") from None
    return _condition_validator(text).is_valid(value)


@functools.lru_cache(maxsize=512)
def _condition_validator(text: str) -> Draft202012Validator:
    schema = json.loads(text)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise _Unsupported(f"the condition schema is not a valid JSON Schema: {exc.message}") from None
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# -- reading schemas as JSON Forms does ----------------------------------------------------


def effective(root: Any, schema: Any, depth: int = 0) -> dict[str, Any]:
    """`schema` with its `$ref` followed and its allOf branches merged in (properties, required).

    Keywords beside a `$ref` apply too (JSON Schema 2019-09 and later), as an allOf with it."""
    if isinstance(schema, dict) and "$ref" in schema and len(schema) > 1:
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        schema = {**siblings, "allOf": [{"$ref": schema["$ref"]}, *siblings.get("allOf", [])]}
    node = dereference(root, schema)
    if not isinstance(node, dict):
        return {}
    parts = node.get("allOf")
    if not isinstance(parts, list) or depth > _MAX_MERGES:
        return node
    merged = {key: value for key, value in node.items() if key != "allOf"}
    for part in parts:
        for key, value in effective(root, part, depth + 1).items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def alternatives(root: Any, schema: dict[str, Any]) -> list[dict[str, Any]]:
    branches = [*schema.get("oneOf", []), *schema.get("anyOf", [])]
    return [effective(root, branch) for branch in branches if isinstance(branch, dict)]


def properties_of(root: Any, schema: Any) -> dict[str, Any]:
    """The properties of an object schema; for a oneOf/anyOf of objects, those of every branch."""
    schema = effective(root, schema)
    found = dict(schema.get("properties", {})) if isinstance(schema.get("properties"), dict) else {}
    for branch in alternatives(root, schema):
        for name, prop in properties_of(root, branch).items():
            found.setdefault(name, prop)
    return found


def items_of(root: Any, schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("items"), dict):
        return effective(root, schema["items"])
    branches = [branch["items"] for branch in alternatives(root, schema) if isinstance(branch.get("items"), dict)]
    return {"anyOf": branches} if branches else {}


def choices(root: Any, schema: dict[str, Any]) -> list[dict[str, Any]] | None:
    if isinstance(schema.get("enum"), list):
        return [{"value": value, "label": _shown(value)} for value in schema["enum"]]
    branches = alternatives(root, schema)
    if branches and all("const" in branch for branch in branches):
        return [{"value": b["const"], "label": _text(b.get("title")) or _shown(b["const"])} for b in branches]
    if "const" in schema:
        return [{"value": schema["const"], "label": _text(schema.get("title")) or _shown(schema["const"])}]
    return None


def kind_of(root: Any, schema: dict[str, Any]) -> str:
    """object, array, string, number, integer, boolean, null, or "any" (several, or unknown)."""
    declared = schema.get("type")
    if isinstance(declared, list):
        kinds = [kind for kind in declared if kind != "null"]
        declared = kinds[0] if len(kinds) == 1 else "any" if kinds else "null"
    if isinstance(declared, str):
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    values = [choice["value"] for choice in choices(root, schema) or []]
    if values and all(isinstance(value, str) for value in values):
        return "string"
    if values and all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
        return "number"
    branch_kinds = {kind_of(root, branch) for branch in alternatives(root, schema)}
    return branch_kinds.pop() if len(branch_kinds) == 1 else "any"


def is_required(root: Any, schema: Any, path: list[str]) -> bool:
    node = effective(root, schema)
    for key in path[:-1]:
        node = effective(root, properties_of(root, node).get(key, {}))
    return bool(path) and path[-1] in node.get("required", [])


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
