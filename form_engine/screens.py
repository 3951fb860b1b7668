"""The screen compiler: schema + UI schema + state + viewer + data -> one screen model (docs/screens.md).

Both renderers (server HTML, browser web components) draw the model without re-reading the
JSON Schema, and the server re-compiles it on save to refuse data for fields the user could
not set: the screen is the single statement of what this viewer may change in this state.
"""

import copy
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from form_engine.computed import compute
from form_engine.errors import FieldError, pointer, pointer_parts
from form_engine.jsonforms_rules import (
    UNDEFINED,
    choices,
    data_path,
    effective,
    evaluate_rule,
    is_required,
    items_of,
    kind_of,
    properties_of,
    resolve_data,
    resolve_scope,
)
from form_engine.ui_schema import default_ui_schema

MODEL = "parapheur.screen/1"
_MAX_DEPTH = 4  # nested objects/tables below this show as read-only text (recursive schemas)
_MONEY = re.compile(r"amount|unit_price|total_.*")
_DEFAULT_STEPS: dict[str, Any] = {"money": 0.01}
_KINDS = {
    "VerticalLayout": "vertical",
    "HorizontalLayout": "horizontal",
    "Group": "group",
    "Categorization": "categorization",
    "Category": "category",
}
Editable = Collection[str] | Literal["*"] | None


@dataclass(frozen=True)
class _Flags:
    visible: bool = True
    enabled: bool = True

    def __and__(self, other: "_Flags") -> "_Flags":
        return _Flags(self.visible and other.visible, self.enabled and other.enabled)


@dataclass(frozen=True)
class _Field:
    """A control to build: where its data is (relative to its base) and how the UI describes it."""

    path: list[str]
    schema: dict[str, Any]
    ui: Mapping[str, Any]
    ui_at: list[str | int]
    required: bool
    label: str | None


@dataclass
class _Compiler:
    root: dict[str, Any]
    data: Any
    editable: Editable
    can_edit: bool
    ids: set[str] = field(default_factory=set)
    unsupported: dict[str, str] = field(default_factory=dict)

    # -- layout elements -------------------------------------------------------------------

    def element(self, ui: Any, ui_at: list[str | int], base: list[str], schema: Any, flags: _Flags) -> dict | None:
        """Compile one UI element whose scopes are relative to `schema`, the data at `base`."""
        if not isinstance(ui, dict):
            self.unsupported.setdefault(pointer(ui_at), "a UI element must be an object with a type")
            return None
        flags = flags & self.rule(ui, ui_at, resolve_data(self.data, base))
        kind = ui.get("type")
        if kind == "Label":
            return {**self._head("label", ui_at, flags), "text": _text(ui.get("text")) or ""}
        if "scope" in ui:  # Control, and renderer-specific ones such as ListWithDetail
            return self.control_element(ui, ui_at, base, schema, flags)
        if kind not in _KINDS and not isinstance(ui.get("elements"), list):
            self.unsupported.setdefault(pointer(ui_at), f"unknown UI element type {kind!r}")
            return None
        elements = ui["elements"] if isinstance(ui.get("elements"), list) else []
        compiled = self._head(_KINDS.get(str(kind), "vertical"), ui_at, flags)
        if kind in ("Group", "Categorization", "Category"):
            compiled["label"] = _label(ui.get("label"), None) or _humanise(ui.get("i18n"))
        children = (
            self.element(child, [*ui_at, "elements", i], base, schema, flags) for i, child in enumerate(elements)
        )
        compiled["elements"] = [child for child in children if child is not None]
        return compiled

    def control_element(
        self, ui: Mapping[str, Any], ui_at: list[str | int], base: list[str], schema: Any, flags: _Flags
    ) -> dict | None:
        spec = self.field_of(ui, ui_at, schema)
        if spec is None:
            return None
        at = [*base, *spec.path]
        if kind_of(self.root, spec.schema) == "object" and "x-catalog" not in spec.schema:
            return self.object_group(spec, at, flags, depth=len(at))
        return self.control(spec, at, flags, resolve_data(self.data, at), depth=0)

    def object_group(self, spec: _Field, at: list[str], flags: _Flags, depth: int) -> dict:
        """An object-valued control is drawn as a group of its properties (JSON Forms does the same)."""
        group = {**self._head("group", spec.ui_at, flags), "label": spec.label}
        if depth > _MAX_DEPTH * 2:  # a recursive schema: show what is left as text
            group["elements"] = [self.control(spec, at, flags, resolve_data(self.data, at), _MAX_DEPTH + 1)]
            return group
        detail = _options(spec.ui).get("detail")
        layout = detail if isinstance(detail, dict) else _default_layout(self.root, spec.schema)
        inner = self.element(layout, [*spec.ui_at, "options", "detail"], at, spec.schema, flags)
        group["elements"] = [] if inner is None else [inner]
        return group

    def field_of(self, ui: Mapping[str, Any], ui_at: list[str | int], schema: Any) -> _Field | None:
        scope = ui.get("scope")
        target = resolve_scope(self.root, scope, schema)
        if target is None or not isinstance(scope, str):
            self.unsupported.setdefault(pointer([*ui_at, "scope"]), f"scope {scope!r} does not resolve in the schema")
            return None
        path = data_path(scope)
        name = path[-1] if path else None
        fallback = _text(effective(self.root, target).get("title")) or _humanise(name)
        return _Field(
            path,
            effective(self.root, target),
            ui,
            ui_at,
            is_required(self.root, schema, path),
            _label(ui.get("label"), fallback),
        )

    # -- controls --------------------------------------------------------------------------

    def control(
        self,
        spec: _Field,
        at: list[str],
        flags: _Flags,
        value: Any,
        depth: int,
        locked: bool = False,
        template: bool = False,
    ) -> dict:
        """A control at data path `at` showing `value` (UNDEFINED: the default).

        `locked`: inside a read-only table. `template`: a table column, without value,
        pointer or errors.
        """
        schema, options = spec.schema, _options(spec.ui)
        too_deep = depth > _MAX_DEPTH
        widget = "text" if too_deep else _widget(self.root, schema, spec.path, options)
        computed = "x-computed" in schema
        control: dict[str, Any] = {
            **self._head("control", spec.ui_at, flags),
            "id": self._id("col" if template else "ctl", at),
            "pointer": pointer(at),
            "scope": spec.ui.get("scope") if depth == 0 else "#" + pointer(_interleave(spec.path)),
            "widget": widget,
            "label": spec.label,
            "description": _text(schema.get("description")),
            "required": spec.required,
            "readOnly": locked
            or too_deep
            or computed
            or not flags.enabled
            or not self._state_allows(at)
            or _read_only(schema, options),
            "computed": computed,
            "formula": schema.get("x-computed") if computed else None,  # so widgets recompute live
            "default": copy.deepcopy(schema.get("default")),
            "value": None,
            "errors": [],
            "options": _widget_options(self.root, widget, schema, options),
        }
        control["value"] = copy.deepcopy(control["default"] if value is UNDEFINED else value)
        if widget == "table":
            self.table(control, spec, at, control["value"], flags, depth, template)
        if template:
            for key in ("pointer", "value", "errors"):
                del control[key]
            control["field"] = pointer(spec.path)
        return control

    def table(
        self, control: dict, spec: _Field, at: list[str], value: Any, flags: _Flags, depth: int, template: bool
    ) -> None:
        items_schema = items_of(self.root, spec.schema)
        columns = list(self.columns(spec, items_schema, depth))
        locked = control["readOnly"]
        control["columns"] = [
            self.control(column, [*at, *column.path], flags, UNDEFINED, depth + 1, locked, template=True)
            for column in columns
        ]
        control["minItems"] = spec.schema.get("minItems")
        control["maxItems"] = spec.schema.get("maxItems")
        if template:
            return
        items = value if isinstance(value, list) else []
        control["rows"] = []
        for index, item in enumerate(items):
            row_at = [*at, str(index)]
            row = []
            for column in columns:
                own = self.rule(column.ui, column.ui_at, item)  # detail scopes are relative to the row
                cell = resolve_data(item, column.path)
                row.append(self.control(column, [*row_at, *column.path], flags & own, cell, depth + 1, locked))
            control["rows"].append(row)

    def columns(self, spec: _Field, items: dict[str, Any], depth: int) -> Iterator[_Field]:
        """The columns of a table: the controls of `options.detail`, else every item property."""
        detail = _options(spec.ui).get("detail")
        if kind_of(self.root, items) != "object" or depth >= _MAX_DEPTH:
            yield _Field([], items, {}, spec.ui_at, False, _text(items.get("title")) or spec.label)
            return
        if isinstance(detail, dict):
            for ui, ui_at in _detail_controls(detail, [*spec.ui_at, "options", "detail"]):
                column = self.field_of(ui, ui_at, items)
                if column is not None:
                    yield from _flatten(self.root, column)
            return
        for name, prop in properties_of(self.root, items).items():
            label = _text(effective(self.root, prop).get("title")) or _humanise(name)
            required = name in effective(self.root, items).get("required", [])
            yield from _flatten(self.root, _Field([name], effective(self.root, prop), {}, spec.ui_at, required, label))

    # -- flags, ids ------------------------------------------------------------------------

    def rule(self, ui: Mapping[str, Any], ui_at: list[str | int], data: Any) -> _Flags:
        if "rule" not in ui:
            return _Flags()
        outcome = evaluate_rule(ui["rule"], data)
        if outcome.problem is not None:
            self.unsupported.setdefault(pointer([*ui_at, "rule"]), outcome.problem)
        return _Flags(outcome.visible, outcome.enabled)

    def _state_allows(self, at: list[str]) -> bool:
        if not self.can_edit or self.editable is None:
            return False
        if self.editable == "*":
            return True
        return bool(at) and at[0] in self.editable

    def _head(self, kind: str, ui_at: list[str | int], flags: _Flags) -> dict[str, Any]:
        return {"kind": kind, "uiPath": pointer(ui_at), "visible": flags.visible, "enabled": flags.enabled}

    def _id(self, prefix: str, at: list[str]) -> str:
        parts = [re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in at] or ["root"]
        stem = "-".join([prefix, *parts])
        candidate, number = stem, 1
        while candidate in self.ids:
            number += 1
            candidate = f"{stem}-{number}"
        self.ids.add(candidate)
        return candidate


def compile_screen(
    schema: dict[str, Any],
    ui: dict[str, Any] | None,
    *,
    data: Mapping[str, Any] | Any = None,
    state: str | None = None,
    state_label: str | None = None,
    editable_fields: Editable = "*",
    can_edit: bool = True,
    errors: Sequence[FieldError] = (),
    document_type: str = "",
    type_version: int = 0,
    title: str = "",
) -> dict[str, Any]:
    """The screen model of a document (docs/screens.md) for one viewer in one state.

    `editable_fields` is the state's `editable` ("*", a list of top-level fields, or None);
    `can_edit` False (the viewer may not edit this document) makes every control read-only.
    Errors land on the control with their pointer, else on the nearest enclosing control,
    else in the screen's own `errors`.
    """
    compiler = _Compiler(schema, data, editable_fields, can_edit)
    layout = default_ui_schema(schema) if ui is None else ui
    root = compiler.element(layout, [], [], schema, _Flags()) or {
        "kind": "vertical",
        "uiPath": "",
        "visible": True,
        "enabled": True,
        "elements": [],
    }
    screen: dict[str, Any] = {
        "model": MODEL,
        "documentType": document_type,
        "typeVersion": type_version,
        "title": title or _text(schema.get("title")) or "",
        "state": state,
        "stateLabel": state_label,
        "editable": False,
        "hasRules": has_rules(layout),
        "unsupported": [{"path": path, "reason": reason} for path, reason in compiler.unsupported.items()],
        "errors": [],
        "root": root,
    }
    controls = list(iter_controls(screen))
    screen["editable"] = any(c["visible"] and not c["readOnly"] and not c["computed"] for c in controls)
    _attach_errors(screen, controls, errors)
    return screen


def has_rules(ui: Any) -> bool:
    """Whether any element of a UI schema (detail layouts included) carries a rule.

    Widgets re-ask the server for the screen as the user types only when this holds: without
    rules, flags never depend on the data being edited.
    """
    stack = [ui]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "rule" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def iter_controls(screen: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every control of the screen in DOM order, table cells included (table columns are not)."""
    stack = [screen["root"]]
    while stack:
        element = stack.pop()
        if element["kind"] == "control":
            yield element
            for row in reversed(element.get("rows", [])):
                stack.extend(reversed(row))
        else:
            stack.extend(reversed(element.get("elements", [])))


def hidden_or_disabled_pointers(screen: Mapping[str, Any]) -> list[str]:
    """Pointers whose value the user may not set here: hidden, disabled or read-only (computed excluded).

    A pointer drawn twice is settable when one of its controls is.
    """
    settable: dict[str, bool] = {}
    for control in iter_controls(screen):
        if not control["computed"]:
            settable[control["pointer"]] = settable.get(control["pointer"], False) or _settable(control)
    return [path for path, ok in settable.items() if not ok]


def rejected_fields(
    schema: dict[str, Any],
    ui: dict[str, Any] | None,
    *,
    old_data: Any,
    new_data: Any,
    editable_fields: Editable = "*",
    can_edit: bool = True,
) -> list[FieldError]:
    """One error per field the user changed but could not set on the screen of `new_data`.

    Rules are evaluated on what the user submits with its computed fields recomputed (a rule
    may depend on a total), as the stored document will be. Computed fields are never reported
    (the server recomputes them); an absent value and null are the same; a value equal to the
    field's default where there was none is no change. Rows added to or removed from a
    read-only table are one change to the table.
    """
    screen = compile_screen(schema, ui, data=compute(schema, new_data), editable_fields=editable_fields,
                            can_edit=can_edit)
    controls = list(iter_controls(screen))
    by_pointer: dict[str, list[dict]] = {}
    for control in controls:
        by_pointer.setdefault(control["pointer"], []).append(control)
    found: dict[str, str] = {}
    for control in controls:
        path = control["pointer"]
        if control["computed"] or path in found or any(path.startswith(p + "/") for p in found):
            continue
        if any(_settable(other) for other in by_pointer[path]):
            continue
        old, new = _at(old_data, path), _at(new_data, path)
        if control["widget"] == "table":
            old_rows = old if isinstance(old, list) else []
            new_rows = new if isinstance(new, list) else []
            if len(old_rows) != len(new_rows):
                found[path] = "rows cannot be added or removed here: the table is " + _why(control)
            continue
        if not _same(old, new) and not (old is None and _same(new, control["default"])):
            found[path] = f"this field is {_why(control)} here; remove the change or make the field editable first"
    shown = set(by_pointer)
    around = {pointer(parts[:n]) for p in shown for parts in [pointer_parts(p)] for n in range(len(parts))}
    for path in _differences(old_data, new_data, []):
        text = pointer(path)
        if text in around or any(pointer(path[:n]) in shown for n in range(len(path) + 1)):
            continue
        found.setdefault(text, "this field is not on this screen; remove it")
    return [FieldError(path, message) for path, message in found.items()]


# -- screen-wide helpers ------------------------------------------------------------------


def _settable(control: Mapping[str, Any]) -> bool:
    return bool(control["visible"] and control["enabled"] and not control["readOnly"])


def _why(control: Mapping[str, Any]) -> str:
    if not control["visible"]:
        return "hidden"
    return "disabled" if not control["enabled"] else "read-only"


def _at(data: Any, path: str) -> Any:
    value = resolve_data(data, pointer_parts(path))
    return None if value is UNDEFINED else value


def _same(one: Any, two: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1; absent and null are the same."""
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    if isinstance(one, dict) and isinstance(two, dict):
        keys = set(one) | set(two)
        return all(_same(one.get(key), two.get(key)) for key in keys)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_same(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, int | float) and isinstance(two, int | float):
        return one == two
    return type(one) is type(two) and bool(one == two)


def _differences(old: Any, new: Any, at: list[str]) -> Iterator[list[str]]:
    """Paths where `new` differs from `old`, as deep as both sides are objects (or missing)."""
    if _same(old, new):
        return
    if isinstance(old, dict | type(None)) and isinstance(new, dict | type(None)):
        old, new = old or {}, new or {}
        for key in dict.fromkeys([*old, *new]):
            yield from _differences(old.get(key), new.get(key), [*at, key])
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (one, two) in enumerate(zip(old, new, strict=True)):
            yield from _differences(one, two, [*at, str(index)])
        return
    yield at


def _attach_errors(screen: dict[str, Any], controls: list[dict], errors: Sequence[FieldError]) -> None:
    by_pointer: dict[str, list[dict]] = {}
    for control in controls:
        by_pointer.setdefault(control["pointer"], []).append(control)
    for error in errors:
        path = error.path
        while path not in by_pointer and path:
            path = path.rsplit("/", 1)[0]
        targets = by_pointer.get(path)
        if targets is None:
            screen["errors"].append(error.as_dict())
            continue
        for control in targets:
            if error.message not in control["errors"]:
                control["errors"].append(error.message)


def _widget(root: Any, schema: dict[str, Any], path: list[str], options: Mapping[str, Any]) -> str:
    """The widget of a field: the first entry of _WIDGETS whose test accepts it, else text."""
    kind = kind_of(root, schema)
    name = path[-1] if path else ""
    return next((widget for test, widget in _WIDGETS if test(_Shape(kind, schema, name, options, root))), "text")


@dataclass(frozen=True)
class _Shape:
    """What widget choice looks at: the kind of value, its schema, its name and its UI options."""

    kind: str
    schema: dict[str, Any]
    name: str
    options: Mapping[str, Any]
    root: Any

    @property
    def number(self) -> bool:
        return self.kind in ("number", "integer")

    @property
    def money(self) -> bool:
        return self.schema.get("x-money") is True or bool(_MONEY.fullmatch(self.name))

    @property
    def format(self) -> Any:
        return self.options.get("format") or self.schema.get("format")


_WIDGETS: list[tuple[Callable[[_Shape], bool], str]] = [  # first match wins
    (lambda shape: shape.kind == "array", "table"),
    (lambda shape: shape.kind == "string" and "x-catalog" in shape.schema, "catalog"),
    (lambda shape: choices(shape.root, shape.schema) is not None, "select"),
    (lambda shape: shape.kind == "boolean", "checkbox"),
    (lambda shape: shape.number and shape.money, "money"),
    (lambda shape: shape.number, "number"),
    (lambda shape: shape.kind == "string" and shape.format == "date", "date"),
    (lambda shape: shape.kind == "string" and shape.options.get("multi") is True, "textarea"),
]


def _widget_options(root: Any, widget: str, schema: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "placeholder": _text(options.get("placeholder")),
        "format": _text(options.get("format")) or _text(schema.get("format")),
    }
    if widget == "select":
        found["enum"] = choices(root, schema)
    elif widget == "catalog":
        found["catalog"] = schema["x-catalog"]
    elif widget in ("number", "money"):
        exclusive_min, exclusive_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        step = options.get("step")
        if not _is_number(step):
            step = 1 if kind_of(root, schema) == "integer" else _DEFAULT_STEPS.get(widget)
        found.update(
            min=exclusive_min if _is_number(exclusive_min) else schema.get("minimum"),
            exclusiveMin=_is_number(exclusive_min),
            max=exclusive_max if _is_number(exclusive_max) else schema.get("maximum"),
            exclusiveMax=_is_number(exclusive_max),
            step=step,
        )
    elif widget in ("text", "textarea", "date"):
        found.update(
            minLength=schema.get("minLength"), maxLength=schema.get("maxLength"), pattern=schema.get("pattern")
        )
    elif widget == "table":
        found["elementLabelProp"] = _text(options.get("elementLabelProp"))
    return found


def _read_only(schema: dict[str, Any], options: Mapping[str, Any]) -> bool:
    """UI `options.readonly` wins over the schema's `readOnly`, as in JSON Forms."""
    for key in ("readonly", "readOnly"):
        if isinstance(options.get(key), bool):
            return bool(options[key])
    return schema.get("readOnly") is True


def _default_layout(root: Any, schema: dict[str, Any]) -> dict[str, Any]:
    names = properties_of(root, schema)
    return {
        "type": "VerticalLayout",
        "elements": [{"type": "Control", "scope": "#" + pointer(["properties", name])} for name in names],
    }


def _detail_controls(layout: Any, at: list[str | int]) -> Iterator[tuple[Mapping[str, Any], list[str | int]]]:
    """The controls of a detail layout, in order, whatever layouts hold them."""
    if not isinstance(layout, dict):
        return
    if "scope" in layout:
        yield layout, at
        return
    for index, child in enumerate(layout.get("elements") or []):
        yield from _detail_controls(child, [*at, "elements", index])


def _flatten(root: Any, column: _Field, depth: int = 0) -> Iterator[_Field]:
    """An object-valued column becomes one column per property: a table cell holds one value."""
    if kind_of(root, column.schema) != "object" or "x-catalog" in column.schema or depth >= _MAX_DEPTH:
        yield column
        return
    required = column.schema.get("required", [])
    for name, prop in properties_of(root, column.schema).items():
        schema = effective(root, prop)
        label = f"{column.label or ''} / {_text(schema.get('title')) or _humanise(name)}".strip(" /")
        yield from _flatten(
            root, _Field([*column.path, name], schema, column.ui, column.ui_at, name in required, label), depth + 1
        )


# -- small values -------------------------------------------------------------------------


def _interleave(path: list[str]) -> list[str]:
    """["customer", "id"] -> ["properties", "customer", "properties", "id"]: a scope relative to an item."""
    return [part for name in path for part in ("properties", name)]


def _options(ui: Mapping[str, Any]) -> Mapping[str, Any]:
    options = ui.get("options")
    return options if isinstance(options, dict) else {}


def _label(label: Any, fallback: str | None) -> str | None:
    """UI `label`: a string, `{"text": ..., "show": bool}`, or false for none; else the fallback."""
    if label is False:
        return None
    if isinstance(label, dict):
        return None if label.get("show") is False else _text(label.get("text")) or fallback
    return _text(label) or fallback


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _humanise(name: Any) -> str | None:
    """`analytic_code` -> "Analytic code", `birthDate` -> "Birth date"."""
    if not isinstance(name, str) or not name:
        return None
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:] if text else name


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
