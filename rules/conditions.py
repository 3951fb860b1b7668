"""CEL conditions: transition guards and assignee scopes, compiled once per definition.

User text is never `eval`ed: every condition is CEL, compiled when the definition is
parsed and evaluated against a context built from the document data:

- every top-level data field is a variable; numbers (int, float, Decimal, never bool)
  reach CEL as doubles, so `total_ht < 500.0` holds for `{"total_ht": 499}`;
- `params` is the workflow's `parameters` map;
- a name the condition references that the data lacks is bound to `null`, so a
  missing optional field gives `department == null` rather than "undefined variable".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import cel

from rules.errors import ConditionError

PARAMS = "params"

_STRING_LITERAL = re.compile(r"""('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")""", re.S)
_MACRO_VARIABLE = re.compile(
    r"\.\s*(?:all|exists|exists_one|existsOne|map|filter|transformList|transformMap)\s*\(\s*"
    r"([A-Za-z_]\w*)\s*,(?:\s*([A-Za-z_]\w*)\s*,)?"
)
_PARAMETER = re.compile(r"\bparams\s*\.\s*([A-Za-z_]\w*)")


def _without_strings(source: str) -> str:
    return _STRING_LITERAL.sub('""', source)


def comprehension_variables(source: str) -> frozenset[str]:
    """Names bound by macros such as `lines.exists(l, ...)`, which are not data fields.

    CEL reports them as variables; this reads them off the source (best effort).
    """
    found: set[str] = set()
    for match in _MACRO_VARIABLE.finditer(_without_strings(source)):
        found.update(name for name in match.groups() if name)
    return frozenset(found)


def parameter_names(source: str) -> frozenset[str]:
    """The `params.X` names a condition reads (best effort, dotted access only)."""
    return frozenset(_PARAMETER.findall(_without_strings(source)))


def cel_value(value: Any) -> Any:
    """Convert document data for CEL: numbers become doubles, containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: cel_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [cel_value(item) for item in value]
    return value


@dataclass(frozen=True)
class Condition:
    """A compiled CEL expression; equal (and hashable) by its source."""

    source: str
    names: frozenset[str]
    program: cel.Program = field(compare=False, repr=False)

    def context(self, data: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        """The CEL variables for one evaluation (see the module docstring)."""
        variables = {key: cel_value(value) for key, value in data.items()}
        variables[PARAMS] = cel_value(params)
        for name in self.names:
            variables.setdefault(name, None)
        return variables

    def value(self, data: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        """Evaluate, e.g. an assignee scope; raises `ConditionError` naming the cause."""
        variables = self.context(data, params)
        try:
            return self.program.execute(variables)
        except Exception as error:  # the CEL runtime raises RuntimeError, TypeError, KeyError, ...
            empty = sorted(name for name in self.names if variables.get(name) is None)
            hint = f" (empty: {', '.join(empty)})" if empty else ""
            raise ConditionError(
                f"condition '{self.source}' could not be evaluated: {_first_sentence(error)}{hint}",
                source=self.source,
            ) from error

    def holds(self, data: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
        """Whether a guard is true for this document; anything but a boolean is an error."""
        result = self.value(data, params)
        if not isinstance(result, bool):
            raise ConditionError(
                f"condition '{self.source}' gave {result!r}, not true or false; "
                "compare it explicitly, e.g. 'field == true'",
                source=self.source,
            )
        return result


def _first_sentence(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, KeyError):
        return f"no key {text}"
    return text.split(". ")[0].rstrip(".")


def compile_condition(source: str) -> Condition:
    """Compile CEL once, when a definition is parsed; raises `ConditionError` with the position."""
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("a condition must be a non-empty CEL expression", source=str(source))
    try:
        program = cel.compile(source)
    except ValueError as error:
        message = f"condition '{source}' does not compile: {_cel_error(error)}"
        raise ConditionError(message, source=source) from None
    names = frozenset(program.variables()) - comprehension_variables(source)
    return Condition(source=source, names=names, program=program)


def _cel_error(error: ValueError) -> str:
    text = str(error)
    start = text.find("ERROR:")
    return text[start:] if start >= 0 else text
