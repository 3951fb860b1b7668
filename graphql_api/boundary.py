"""The input boundary: every value a client sends is checked once, here, before any resolver
or query sees it.

Two doors lead in. HTTP bodies (and GET `variables`, and multipart `operations`) are JSON,
decoded by `decode_json`; literals written inside the GraphQL document are checked by
`LiteralRule` during validation. Both refuse the same things, naming where they are:

- text holding a NUL character (PostgreSQL cannot store it) or a lone UTF-16 surrogate
  (not a character: no encoder can write it back out);
- numbers that are not finite (NaN, Infinity, 1e309) or whose magnitude reaches `MAX_NUMBER`
  (money and quantities stay far below; Decimal and the databases then never overflow);
- nesting deeper than `MAX_NESTING` objects and arrays (form data needs a handful of levels).

Malformed bodies (not UTF-8, not JSON, not an object) are refused here too, so the GraphQL
view never meets a value it would trip over with a 500.
"""

import json
import math
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValidationRule,
    VariableDefinitionNode,
)
from graphql.language import FieldNode, Node

from graphql_api.errors import ApiError

MAX_NESTING = 32
MAX_NUMBER = 10**15
# An integer longer than this cannot be below MAX_NUMBER; judging it by length first means
# Python never converts a 5,000-digit string (which it refuses with a ValueError).
MAX_INTEGER_DIGITS = 16
OUT_OF_RANGE = f"is out of range: numbers must be between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e} (exclusive)"


class InputRefused(ApiError):
    """Raised when a value a client sent cannot be accepted as it is (the message says where)."""

    code = "BAD_USER_INPUT"


def text_problem(text: str) -> str | None:
    """What is wrong with a piece of text, or None when it can be stored and sent back."""
    if "\x00" in text:
        return f"contains a NUL character (U+0000) at position {text.index(chr(0))}; remove it"
    for position, character in enumerate(text):
        if "\ud800" <= character <= "\udfff":
            return (f"contains a lone surrogate (U+{ord(character):04X}) at position {position}, which is "
                    "not a character; send valid Unicode")
    return None


@dataclass(frozen=True)
class Oversized:
    """An integer too long to convert, kept as its length so that the error can name its path."""

    digits: int


def number_problem(number: int | float | Oversized) -> str | None:
    """What is wrong with a number, or None when it is finite and within the range."""
    if isinstance(number, Oversized):
        return f"has {number.digits} digits and {OUT_OF_RANGE}"
    if isinstance(number, float) and not math.isfinite(number):
        return f"is {number}, not a finite number"
    if abs(number) >= MAX_NUMBER:
        return OUT_OF_RANGE
    return None


def check_length(text: str, limit: int, where: str) -> None:
    """Refuse text longer than the column that stores it, before the database does less clearly."""
    if len(text) > limit:
        raise InputRefused(f"{where} has {len(text)} characters; at most {limit} are allowed: shorten it")


def _key(where: str, key: Any) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else str(key))


def check_value(value: Any, where: str = "") -> None:
    """Refuse the first bad text, number or nesting in a decoded JSON value, naming its path.

    Iterative (an explicit stack), so that a deep value costs a loop, not the call stack."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        problem: str | None = None
        if isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, (int, float, Oversized)):
            problem = number_problem(item)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_NESTING:
                problem = f"is nested deeper than {MAX_NESTING} levels of objects and arrays"
            elif isinstance(item, dict):
                for key, child in item.items():
                    key_problem = text_problem(key)
                    if key_problem:
                        raise InputRefused(f"a key of {path or 'the body'} {key_problem}")
                    stack.append((child, _key(path, key), depth + 1))
            else:
                stack.extend((child, _key(path, index), depth + 1) for index, child in enumerate(item))
        if problem:
            raise InputRefused(f"{path or 'the body'} {problem}")


def _integer(digits: str) -> int | Oversized:
    length = len(digits.lstrip("-"))
    return Oversized(length) if length > MAX_INTEGER_DIGITS else int(digits)


def decode_json(raw: str | bytes, *, top_level: bool) -> Any:
    """Decode and check JSON; `top_level` bodies must be an object (a batch, a list)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputRefused(f"the body is not valid UTF-8 (byte {error.start}); send UTF-8 JSON") from None
    try:
        value = json.loads(raw, parse_int=_integer)  # NaN, Infinity, 1e309: floats check_value refuses
    except json.JSONDecodeError as error:
        raise InputRefused(f"the body is not valid JSON: {error.msg} at line {error.lineno}, "
                           f"column {error.colno}") from None
    except RecursionError:
        raise InputRefused(f"the body is nested deeper than {MAX_NESTING} levels of objects and arrays") from None
    if top_level and not isinstance(value, (dict, list)):
        raise InputRefused(f"the body must be a JSON object such as {{\"query\": \"{{ viewer {{ username }} }}\"}}, "
                           f"got {type(value).__name__ if value is not None else 'null'}")
    check_value(value)
    return value


def _where(ancestors: list[Any]) -> str:
    """`login(username)`, `saveDraft(input.category)`: the field and argument path of a literal."""
    field, names = None, []
    for node in ancestors:
        if isinstance(node, FieldNode):
            field, names = node.name.value, []
        elif isinstance(node, (ArgumentNode, ObjectFieldNode)):
            names.append(node.name.value)
        elif isinstance(node, VariableDefinitionNode):
            field, names = "default value", [f"${node.variable.name.value}"]
    return f"{field or 'argument'}({'.'.join(names)})"


class LiteralRule(ValidationRule):
    """The same checks for values written in the document itself, e.g. `login(username: "\\u0000")`."""

    def enter_string_value(self, node: StringValueNode, _key: Any, parent: Any, _path: Any,
                           ancestors: list[Any]) -> None:
        problem = text_problem(node.value)
        if problem:
            self._refuse(node, [*ancestors, parent], problem)

    def enter_int_value(self, node: IntValueNode, _key: Any, parent: Any, _path: Any, ancestors: list[Any]) -> None:
        problem = number_problem(_integer(node.value))
        if problem:
            self._refuse(node, [*ancestors, parent], problem)

    def enter_float_value(self, node: FloatValueNode, _key: Any, parent: Any, _path: Any,
                          ancestors: list[Any]) -> None:
        problem = number_problem(float(node.value))
        if problem:
            self._refuse(node, [*ancestors, parent], problem)

    def enter_object_value(self, node: ObjectValueNode, _key: Any, parent: Any, _path: Any,
                           ancestors: list[Any]) -> Any:
        return self._nesting(node, [*ancestors, parent])

    def enter_list_value(self, node: ListValueNode, _key: Any, parent: Any, _path: Any,
                         ancestors: list[Any]) -> Any:
        return self._nesting(node, [*ancestors, parent])

    def _nesting(self, node: Node, ancestors: list[Any]) -> Any:
        if sum(isinstance(a, (ObjectValueNode, ListValueNode)) for a in ancestors) >= MAX_NESTING:
            self._refuse(node, ancestors, f"is nested deeper than {MAX_NESTING} levels of objects and lists")
            return self.SKIP
        return None

    def _refuse(self, node: Node, ancestors: list[Any], problem: str) -> None:
        self.report_error(GraphQLError(f"{_where(ancestors)} {problem}", node,
                                       extensions={"code": InputRefused.code}))
