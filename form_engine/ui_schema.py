"""Checks of a JSON Forms UI schema against its data schema, before a form is published.

A control whose scope points nowhere renders as an empty box at best; catching it on
publish, with the pointer of the bad `scope` in the UI schema, saves a support call.
"""

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from form_engine.errors import FieldError, pointer, pointer_parts
from form_engine.fields import field_names

_Path = list[str | int]
_EFFECTS = ("DISABLE", "ENABLE", "HIDE", "SHOW")
_NOWHERE = object()
_MAX_REFS = 32


def check_ui_schema(schema: dict[str, Any], ui: Any) -> list[FieldError]:
    """Every problem of `ui` (unknown types, scopes outside `schema`, bad rules), in UI order."""
    return list(_element(schema, ui, [], None))


def default_ui_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """One control per top-level field, stacked: the screen of a form published without UI."""
    return {
        "type": "VerticalLayout",
        "elements": [
            {"type": "Control", "scope": "#" + pointer(["properties", name])} for name in field_names(schema)
        ],
    }


def _element(schema: Any, element: Any, at: _Path, parent: str | None) -> Iterator[FieldError]:
    if not isinstance(element, dict):
        yield FieldError(pointer(at), "must be a UI element: an object with a type")
        return
    kind = element.get("type")
    check = _CHECKS.get(kind) if isinstance(kind, str) else None
    if check is None:
        known = ", ".join(sorted(_CHECKS))
        yield FieldError(pointer([*at, "type"]), f"unknown element type {kind!r}; use one of {known}")
        return
    if kind == "Category" and parent != "Categorization":
        yield FieldError(pointer([*at, "type"]), "a Category must be inside a Categorization")
    yield from check(schema, element, at)
    if "rule" in element:
        yield from _rule(schema, element["rule"], [*at, "rule"])


def _layout(schema: Any, element: dict[str, Any], at: _Path) -> Iterator[FieldError]:
    elements = element.get("elements")
    if not isinstance(elements, list):
        yield FieldError(pointer([*at, "elements"]), "elements is required: a list of UI elements")
        return
    kind = element["type"]
    for index, child in enumerate(elements):
        yield from _element(schema, child, [*at, "elements", index], kind)
        if kind == "Categorization" and isinstance(child, dict):
            child_kind = child.get("type")
            if child_kind not in ("Category", "Categorization"):
                yield FieldError(
                    pointer([*at, "elements", index, "type"]),
                    f"a Categorization may contain only Category elements (got {child_kind!r})",
                )


def _control(schema: Any, element: dict[str, Any], at: _Path) -> Iterator[FieldError]:
    target, problem = _scope(schema, element.get("scope"))
    if problem:
        yield FieldError(pointer([*at, "scope"]), problem)
        return
    options = element.get("options")
    detail = options.get("detail") if isinstance(options, dict) else None
    if isinstance(detail, dict):
        items = target.get("items") if isinstance(target, dict) else None
        detail_at = [*at, "options", "detail"]
        if isinstance(items, dict):
            yield from _element(items, detail, detail_at, None)
        else:
            yield FieldError(pointer(detail_at), "a detail layout needs a scope on a list field")


def _label(schema: Any, element: dict[str, Any], at: _Path) -> Iterator[FieldError]:
    if not isinstance(element.get("text"), str):
        yield FieldError(pointer([*at, "text"]), "text is required: the words the label shows")


_CHECKS: dict[str, Callable[[Any, dict[str, Any], _Path], Iterator[FieldError]]] = {
    "VerticalLayout": _layout,
    "HorizontalLayout": _layout,
    "Group": _layout,
    "Categorization": _layout,
    "Category": _layout,
    "Control": _control,
    "Label": _label,
}


def _rule(schema: Any, rule: Any, at: _Path) -> Iterator[FieldError]:
    if not isinstance(rule, dict):
        yield FieldError(pointer(at), "a rule must be an object with effect and condition")
        return
    if rule.get("effect") not in _EFFECTS:
        yield FieldError(
            pointer([*at, "effect"]),
            f"unknown effect {rule.get('effect')!r}; use one of {', '.join(_EFFECTS)}",
        )
    yield from _condition(schema, rule.get("condition"), [*at, "condition"])


def _condition(schema: Any, condition: Any, at: _Path) -> Iterator[FieldError]:
    if not isinstance(condition, dict):
        yield FieldError(pointer(at), "condition is required: an object with scope and schema")
        return
    if condition.get("type") in ("AND", "OR"):
        parts = condition.get("conditions")
        if not isinstance(parts, list) or not parts:
            yield FieldError(pointer([*at, "conditions"]), "conditions must be a non-empty list")
            return
        for index, part in enumerate(parts):
            yield from _condition(schema, part, [*at, "conditions", index])
        return
    _, problem = _scope(schema, condition.get("scope"))
    if problem:
        yield FieldError(pointer([*at, "scope"]), problem)
    if "schema" in condition:
        try:
            Draft202012Validator.check_schema(condition["schema"])
        except SchemaError as exc:
            yield FieldError(
                pointer([*at, "schema", *exc.absolute_path]),
                f"is not a valid schema: {exc.message}",
            )
    elif "expectedValue" not in condition:
        yield FieldError(pointer([*at, "schema"]), 'schema is required, e.g. {"const": true}')


def _scope(schema: Any, scope: Any) -> tuple[Any, str | None]:
    """The schema node a scope designates, or why it designates none."""
    if not isinstance(scope, str):
        return None, "scope is required: a pointer such as '#/properties/title'"
    if scope != "#" and not scope.startswith("#/"):
        return None, f"scope {scope!r} must start with '#/', e.g. '#/properties/title'"
    node = _walk(schema, schema, pointer_parts(scope[1:]), 0)
    if node is _NOWHERE:
        return None, f"scope {scope!r} does not resolve in the schema; use '#/properties/<field>'"
    if not isinstance(node, dict):
        return None, f"scope {scope!r} does not designate a schema; use '#/properties/<field>'"
    return node, None


def _walk(root: Any, node: Any, parts: list[str], refs: int) -> Any:
    """Follow `parts` from `node`, through local `$ref`s as JSON Forms does."""
    for part in parts:
        while isinstance(node, dict) and part not in node and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#") or refs >= _MAX_REFS:
                return _NOWHERE
            refs += 1
            node = _walk(root, root, pointer_parts(ref[1:]), refs)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _NOWHERE
    return node
