"""The screen model drawn as accessible HTML, on the server: printable views and e-mails.

It reads only the screen model (docs/screens.md), never the JSON Schema, so it shows what
the web components show. Every label is bound to its input, errors are announced through
`aria-invalid` and `aria-describedby`, hidden elements are left out, DOM order is the
keyboard order (no tabindex), and every text comes out through `html.escape`.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from form_engine.errors import pointer_parts

_NOTHING = "—"
_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; color: #111; margin: 2rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.state { color: #444; margin: 0 0 1rem; }
fieldset { border: 1px solid #bbb; margin: 0 0 1rem; padding: .5rem 1rem; }
legend { font-weight: 600; }
.horizontal { display: flex; flex-wrap: wrap; gap: 1rem; }
.field { margin: 0 0 .75rem; }
.label { font-weight: 600; display: block; }
.error { color: #a00; margin: .25rem 0 0; }
.description { color: #555; margin: .25rem 0 0; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@media print { body { margin: 0; } fieldset, tr { break-inside: avoid; } }
"""


def render_html(screen: Mapping[str, Any], *, action: str | None = None) -> str:
    """An HTML fragment: a `<form>` posting to `action` when the screen is editable, else read-only markup."""
    editable = bool(action) and bool(screen.get("editable"))
    body = _Renderer(editable).element(screen["root"])
    errors = "".join(f"<li>{escape(str(error.get('message', '')))}</li>" for error in screen.get("errors", []))
    if errors:
        body = f'<ul class="form-errors" role="alert">{errors}</ul>{body}'
    if editable:
        return (
            f'<form class="screen" method="post" action="{escape(str(action))}">{body}'
            '<p><button type="submit">Save</button></p></form>'
        )
    return f'<div class="screen screen-readonly">{body}</div>'


def render_page(screen: Mapping[str, Any], title: str) -> str:
    """A whole printable HTML5 document showing the screen read-only."""
    state = screen.get("stateLabel") or screen.get("state")
    state_line = f'<p class="state">{escape(str(state))}</p>' if state else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><main><h1>{escape(title)}</h1>{state_line}"
        f"{render_html(screen)}</main></body></html>"
    )


@dataclass(frozen=True)
class _Renderer:
    editable: bool

    def element(self, element: Mapping[str, Any]) -> str:
        if not element.get("visible", True):
            return ""
        render = _ELEMENTS.get(element.get("kind", ""))
        return render(self, element) if render else ""

    def children(self, element: Mapping[str, Any]) -> str:
        return "".join(self.element(child) for child in element.get("elements", []))

    def control(self, control: Mapping[str, Any], label: str | None = None, visible_label: bool = True) -> str:
        """One control with its label, description and errors; `label` overrides the model's (table cells)."""
        ident = control["id"]
        text = label or control.get("label") or _fallback_label(control)
        described = []
        extra = ""
        if control.get("description") and visible_label:
            described.append(f"{ident}-desc")
            extra += f'<p class="description" id="{escape(ident)}-desc">{escape(control["description"])}</p>'
        if control.get("errors"):
            described.append(f"{ident}-errors")
            messages = "".join(f'<span class="error">{escape(str(m))}</span> ' for m in control["errors"])
            extra += f'<p class="error" id="{escape(ident)}-errors">{messages.strip()}</p>'
        label_class = ' class="label"' if visible_label else ' class="visually-hidden"'
        required = '<span aria-hidden="true"> *</span>' if control.get("required") and visible_label else ""
        if control["widget"] == "table":
            return self.table(control, described) + extra
        if not self.editable:
            value = escape(_VALUES.get(control["widget"], _plain)(control))
            if not visible_label:  # a table cell: its column header names it
                return f'<span class="value">{value}</span>{extra}'
            return (
                f'<div class="field field-{escape(control["widget"])}"><span class="label">{escape(text)}</span> '
                f'<span class="value">{value}</span>{extra}</div>'
            )
        attributes = _attributes(control, described)
        widget = _INPUTS.get(control["widget"], _text_input)(control, attributes)
        label_html = f'<label for="{escape(ident)}"{label_class}>{escape(text)}{required}</label>'
        return f'<div class="field field-{escape(control["widget"])}">{label_html}{widget}{extra}</div>'

    def table(self, control: Mapping[str, Any], described: list[str]) -> str:
        columns = [(index, column) for index, column in enumerate(control.get("columns", [])) if column["visible"]]
        label = control.get("label") or _fallback_label(control)
        head = "".join(f'<th scope="col">{escape(column.get("label") or "")}</th>' for _, column in columns)
        rows = []
        for number, row in enumerate(control.get("rows", []), start=1):
            cells = []
            for index, column in columns:
                cell = row[index]
                name = f"{column.get('label') or label}, row {number}"
                cells.append(f"<td>{self.control(cell, name, visible_label=False) if cell['visible'] else ''}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        body = "".join(rows) or f'<tr><td colspan="{max(len(columns), 1)}">{_NOTHING}</td></tr>'
        describedby = f' aria-describedby="{escape(" ".join(described))}"' if described else ""
        return (
            f'<div class="field field-table"><table id="{escape(control["id"])}"{describedby}>'
            f"<caption>{escape(label)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )


def _layout(tag: str, css: str) -> Callable[[_Renderer, Mapping[str, Any]], str]:
    def render(renderer: _Renderer, element: Mapping[str, Any]) -> str:
        legend = f"<legend>{escape(element['label'])}</legend>" if element.get("label") and tag == "fieldset" else ""
        return f'<{tag} class="{css}">{legend}{renderer.children(element)}</{tag}>'

    return render


def _categorization(renderer: _Renderer, element: Mapping[str, Any]) -> str:
    heading = f"<h2>{escape(element['label'])}</h2>" if element.get("label") else ""
    return f'<div class="categorization">{heading}{renderer.children(element)}</div>'


def _label_element(renderer: _Renderer, element: Mapping[str, Any]) -> str:
    return f'<p class="note">{escape(element.get("text") or "")}</p>'


def _control_element(renderer: _Renderer, element: Mapping[str, Any]) -> str:
    return renderer.control(element)


_ELEMENTS: dict[str, Callable[[_Renderer, Mapping[str, Any]], str]] = {
    "vertical": _layout("div", "vertical"),
    "horizontal": _layout("div", "horizontal"),
    "group": _layout("fieldset", "group"),
    "category": _layout("fieldset", "category"),
    "categorization": _categorization,
    "label": _label_element,
    "control": _control_element,
}


# -- editable inputs ----------------------------------------------------------------------


def _attributes(control: Mapping[str, Any], described: list[str]) -> dict[str, str | None]:
    """Attributes shared by every input: None means a boolean attribute that is present."""
    attributes: dict[str, str | None] = {"id": control["id"], "name": control["pointer"]}
    if control.get("required"):
        attributes["required"] = None
    if not control.get("enabled", True):
        attributes["disabled"] = None
    elif control.get("readOnly"):
        attributes["readonly"] = None
    if control.get("errors"):
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    placeholder = control.get("options", {}).get("placeholder")
    if placeholder:
        attributes["placeholder"] = placeholder
    return attributes


def _render_attributes(attributes: Mapping[str, str | None]) -> str:
    return "".join(f" {name}" if value is None else f' {name}="{escape(value)}"' for name, value in attributes.items())


def _without_readonly(attributes: dict[str, str | None]) -> dict[str, str | None]:
    """Selects and checkboxes have no read-only state: a read-only one is disabled."""
    if "readonly" in attributes:
        attributes = {key: value for key, value in attributes.items() if key != "readonly"}
        attributes["disabled"] = None
    return attributes


def _input(kind: str) -> Callable[[Mapping[str, Any], dict[str, str | None]], str]:
    def render(control: Mapping[str, Any], attributes: dict[str, str | None]) -> str:
        options = control.get("options", {})
        extra: dict[str, str | None] = {"type": kind, "value": _plain(control, empty="")}
        for option, attribute in (
            ("min", "min"),
            ("max", "max"),
            ("step", "step"),
            ("maxLength", "maxlength"),
            ("minLength", "minlength"),
            ("pattern", "pattern"),
        ):
            if options.get(option) is not None:
                extra[attribute] = _show(options[option])
        if control["widget"] == "money":
            extra["inputmode"] = "decimal"
        if control["widget"] == "catalog":
            extra["data-catalog"] = str(options.get("catalog", ""))
        return f"<input{_render_attributes({**attributes, **extra})}>"

    return render


def _text_input(control: Mapping[str, Any], attributes: dict[str, str | None]) -> str:
    return _input("text")(control, attributes)


def _textarea(control: Mapping[str, Any], attributes: dict[str, str | None]) -> str:
    return f"<textarea{_render_attributes(attributes)}>{escape(_plain(control, empty=''))}</textarea>"


def _select(control: Mapping[str, Any], attributes: dict[str, str | None]) -> str:
    value = control.get("value")
    choices = control.get("options", {}).get("enum") or []
    options = ['<option value="">—</option>'] if not control.get("required") or value is None else []
    for choice in choices:
        selected = " selected" if _equal(choice.get("value"), value) else ""
        option_value = escape(_show(choice.get("value")))
        options.append(f'<option value="{option_value}"{selected}>{escape(str(choice.get("label", "")))}</option>')
    attributes = _without_readonly(attributes)
    return f"<select{_render_attributes(attributes)}>{''.join(options)}</select>"


def _checkbox(control: Mapping[str, Any], attributes: dict[str, str | None]) -> str:
    attributes = {**_without_readonly(attributes), "type": "checkbox", "value": "true"}
    if control.get("value") is True:
        attributes["checked"] = None
    return f"<input{_render_attributes(attributes)}>"


_INPUTS: dict[str, Callable[[Mapping[str, Any], dict[str, str | None]], str]] = {
    "text": _text_input,
    "textarea": _textarea,
    "number": _input("number"),
    "money": _input("number"),
    "date": _input("date"),
    "catalog": _input("search"),
    "select": _select,
    "checkbox": _checkbox,
}


# -- read-only values ---------------------------------------------------------------------


def _plain(control: Mapping[str, Any], empty: str = _NOTHING) -> str:
    value = control.get("value")
    if value is None or value == "":
        return empty
    return _show(value)


def _money(control: Mapping[str, Any]) -> str:
    value = control.get("value")
    try:
        return f"{Decimal(str(value)):,.2f}" if _is_number(value) else _plain(control)
    except InvalidOperation:
        return _plain(control)


def _choice(control: Mapping[str, Any]) -> str:
    for choice in control.get("options", {}).get("enum") or []:
        if _equal(choice.get("value"), control.get("value")):
            return str(choice.get("label", ""))
    return _plain(control)


def _yes_no(control: Mapping[str, Any]) -> str:
    value = control.get("value")
    return "Yes" if value is True else "No" if value is False else _plain(control)


_VALUES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "money": _money,
    "select": _choice,
    "checkbox": _yes_no,
}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(one: Any, two: Any) -> bool:
    return type(one) is type(two) and one == two or (_is_number(one) and _is_number(two) and one == two)


def _fallback_label(control: Mapping[str, Any]) -> str:
    """A name for a control the UI schema shows without label (`"label": false`)."""
    parts = pointer_parts(control.get("pointer") or control.get("field") or "")
    names = [part for part in parts if not part.isdigit()]
    return names[-1].replace("_", " ") if names else "Value"
