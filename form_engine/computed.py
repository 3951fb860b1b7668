"""Computed fields (line amounts, totals): always recomputed by the server, never trusted.

A property declares `"x-computed": "<formula>"`, at the top level or in the items of an
array. Formulas are parsed with `ast` and interpreted over a whitelist (names, numbers,
+ - * /, sum(), vat(), cents()); nothing is ever eval'ed. Money is Decimal, rounded half-up
to 2 places on every computed field and per VAT rate, as EN 16931 does.

sum() and vat() take further lists after the first, for document-level allowances and
charges: `vat(lines, amount, vat_rate, allowances, -cents(amount), vat_rate)` puts each
allowance, rounded to the cent, in the VAT base of its rate before that rate's VAT is
rounded, as EN 16931 does (BG-20, BG-23). A further list absent from the data has no rows.
"""

import ast
import copy
import functools
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from typing import Any, Protocol

from form_engine.errors import FormError, pointer

_CENT = Decimal("0.01")
_HINT = "use names, numbers, + - * / and sum()/vat()/cents()"


class _Missing(Exception):
    """Raised while evaluating when an input is absent or not a number: the field stays out."""


class _Rejected(Exception):
    """Raised while parsing a formula; the message says what is wrong, without the context."""


class Formula(Protocol):
    """A parsed formula: evaluated over one scope (the document, or one line)."""

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal: ...

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        """Names the formula uses that the schema does not define there."""
        ...


def compute(schema: dict[str, Any], data: Any) -> Any:
    """A deep copy of `data` with every computed field (re)computed; client values dropped.

    Per-line fields come first, then top-level ones in schema order, so a total may use
    line amounts and an earlier total. Raises FormError on a bad formula, never on bad data.
    """
    per_item: dict[str, list[tuple[str, Formula]]] = {}
    top: list[tuple[str, Formula]] = []
    for declaration in _declarations(schema):
        target = top if declaration.array is None else per_item.setdefault(declaration.array, [])
        target.append((declaration.name, declaration.formula()))
    result = copy.deepcopy(data)
    if not isinstance(result, dict):
        return result
    for array, fields in per_item.items():
        items = result.get(array)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                _fill(item, fields)
    _fill(result, top)
    return result


def computed_fields(schema: dict[str, Any]) -> list[str]:
    """Pointers of the computed fields (`/total_ht`, `/lines/*/amount`), in schema order."""
    return [declaration.target for declaration in _declarations(schema)]


def check_formulas(schema: dict[str, Any]) -> None:
    """Parse every formula of `schema`, so a broken one is refused when the form is published."""
    for declaration in _declarations(schema):
        declaration.formula()


@dataclass(frozen=True)
class _Declaration:
    """One `x-computed` property and the sibling properties its formula may name."""

    array: str | None
    name: str
    source: Any
    siblings: Mapping[str, Any]

    @property
    def where(self) -> str:
        if self.array is None:
            return pointer(["properties", self.name])
        return pointer(["properties", self.array, "items", "properties", self.name])

    @property
    def target(self) -> str:
        return pointer([self.name] if self.array is None else [self.array, "*", self.name])

    def formula(self) -> Formula:
        if not isinstance(self.source, str):
            raise FormError(
                f"x-computed at {self.where} must be a formula string (got {self.source!r}); " + _HINT
            )
        try:
            parsed = _parse(self.source)
        except _Rejected as exc:
            raise FormError(f"x-computed formula {self.source!r} at {self.where}: {exc}") from None
        problem = next(parsed.problems(self.siblings), None)
        if problem is not None:
            raise FormError(f"x-computed formula {self.source!r} at {self.where}: {problem}; {_HINT}")
        return parsed


def _properties(schema: Any) -> Mapping[str, Any]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _declarations(schema: dict[str, Any]) -> Iterator[_Declaration]:
    properties = _properties(schema)
    for name, spec in properties.items():
        if isinstance(spec, dict) and "x-computed" in spec:
            yield _Declaration(None, name, spec["x-computed"], properties)
        siblings = _properties(spec.get("items") if isinstance(spec, dict) else None)
        for item_name, item_spec in siblings.items():
            if isinstance(item_spec, dict) and "x-computed" in item_spec:
                yield _Declaration(name, item_name, item_spec["x-computed"], siblings)


def _fill(scope: dict[str, Any], fields: list[tuple[str, Formula]]) -> None:
    for name, _ in fields:
        scope.pop(name, None)
    for name, formula in fields:
        try:
            value = formula.evaluate(scope).quantize(_CENT, rounding=ROUND_HALF_UP)
        except (_Missing, DecimalException):
            continue
        scope[name] = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _Missing
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise _Missing
    return number


@dataclass(frozen=True)
class _Constant:
    value: Decimal

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return self.value

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class _Name:
    name: str

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return _number(scope.get(self.name))

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        if self.name not in properties:
            yield f"{self.name!r} is not a field of the form"


@dataclass(frozen=True)
class _Binary:
    apply: Callable[[Decimal, Decimal], Decimal]
    left: Formula
    right: Formula

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return self.apply(self.left.evaluate(scope), self.right.evaluate(scope))

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        yield from self.left.problems(properties)
        yield from self.right.problems(properties)


@dataclass(frozen=True)
class _Negative:
    operand: Formula

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return -self.operand.evaluate(scope)

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        return self.operand.problems(properties)


@dataclass(frozen=True)
class _Cents:
    """cents(expr): expr rounded half-up to the cent, as EN 16931 states every amount."""

    operand: Formula

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return self.operand.evaluate(scope).quantize(_CENT, rounding=ROUND_HALF_UP)

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        return self.operand.problems(properties)


@dataclass(frozen=True)
class _Terms:
    """One list of a sum() or vat() call and the expressions evaluated on each of its rows.

    The first list is the document's lines: when it is absent the total stays out, as a
    missing input does. A further one (allowances, charges) is optional: absent, it has no rows.
    """

    array: str
    expressions: tuple[Formula, ...]
    optional: bool

    def rows(self, scope: Mapping[str, Any]) -> Iterator[tuple[Decimal, ...]]:
        rows = scope.get(self.array)
        if rows is None and self.optional:
            return
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise _Missing
        for row in rows:
            yield tuple(expression.evaluate(row) for expression in self.expressions)

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        spec = properties.get(self.array)
        items = _properties(spec.get("items") if isinstance(spec, dict) else None)
        if not items:
            yield f"{self.array!r} is not a list field of the form"
        for expression in self.expressions:
            yield from expression.problems(items)


@dataclass(frozen=True)
class _OverLists:
    lists: tuple[_Terms, ...]

    def problems(self, properties: Mapping[str, Any]) -> Iterator[str]:
        for terms in self.lists:
            yield from terms.problems(properties)


class _Sum(_OverLists):
    """sum(lines, expr, ...): expr evaluated on each row of each list, added up."""

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        return sum((term for terms in self.lists for (term,) in terms.rows(scope)), Decimal(0))


class _Vat(_OverLists):
    """vat(lines, base, rate, ...): bases of every list added per rate, VAT rounded per rate,
    then added (EN 16931 BG-23), so an allowance lowers the base of its own rate."""

    def evaluate(self, scope: Mapping[str, Any]) -> Decimal:
        bases: dict[Decimal, Decimal] = {}
        for terms in self.lists:
            for base, rate in terms.rows(scope):
                bases[rate] = bases.get(rate, Decimal(0)) + base
        return sum(
            ((base * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP) for rate, base in bases.items()),
            Decimal(0),
        )


@functools.lru_cache(maxsize=1024)
def _parse(source: str) -> Formula:
    """Parse once per formula text; raises _Rejected naming the offending construct."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise _Rejected(f"it is not a valid expression ({exc.msg}); {_HINT}") from None
    except (RecursionError, MemoryError):
        raise _Rejected("it is nested too deeply") from None
    return _build(tree.body)


def _build(node: ast.expr) -> Formula:
    builder = _BUILDERS.get(type(node))
    if builder is None:
        raise _Rejected(f"{_construct(node)} is not allowed; {_HINT}")
    return builder(node)


_OPERATORS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}

_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "a lambda",
    ast.Compare: "a comparison",
    ast.BoolOp: "a boolean operator",
    ast.IfExp: "a conditional expression",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment",
    ast.Starred: "unpacking",
    ast.JoinedStr: "a string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def _construct(node: ast.AST) -> str:
    kind = _CONSTRUCTS.get(type(node), type(node).__name__)
    return f"{kind} '{ast.unparse(node)}'"


def _constant(node: ast.expr) -> Formula:
    assert isinstance(node, ast.Constant)
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Rejected(f"the constant {ast.unparse(node)} is not allowed; {_HINT}")
    number = Decimal(str(value))
    if not number.is_finite():
        raise _Rejected(f"the number {ast.unparse(node)} is too large")
    return _Constant(number)


def _name(node: ast.expr) -> Formula:
    assert isinstance(node, ast.Name)
    return _Name(node.id)


def _binary(node: ast.expr) -> Formula:
    assert isinstance(node, ast.BinOp)
    apply = _OPERATORS.get(type(node.op))
    if apply is None:
        raise _Rejected(f"the operator in '{ast.unparse(node)}' is not allowed; {_HINT}")
    return _Binary(apply, _build(node.left), _build(node.right))


def _unary(node: ast.expr) -> Formula:
    assert isinstance(node, ast.UnaryOp)
    if not isinstance(node.op, ast.USub):
        raise _Rejected(f"the operator in '{ast.unparse(node)}' is not allowed; {_HINT}")
    return _Negative(_build(node.operand))


def _lists(node: ast.Call, shape: str, group: int) -> tuple[_Terms, ...]:
    """The lists of a sum()/vat() call: a list name then `group - 1` expressions, repeated."""
    if node.keywords or not node.args or len(node.args) % group:
        raise _Rejected(
            f"'{ast.unparse(node)}' is not allowed; write {shape}, "
            f"optionally followed by further lists, each with its {group - 1} expression(s)"
        )
    lists = []
    for start in range(0, len(node.args), group):
        array, *expressions = node.args[start : start + group]
        if not isinstance(array, ast.Name):
            raise _Rejected(f"'{ast.unparse(array)}' as a list of {shape} is not allowed; name a list field")
        lists.append(_Terms(array.id, tuple(_build(e) for e in expressions), optional=start > 0))
    return tuple(lists)


def _sum(node: ast.Call) -> Formula:
    return _Sum(_lists(node, "sum(list, expression)", 2))


def _vat(node: ast.Call) -> Formula:
    return _Vat(_lists(node, "vat(list, base, rate)", 3))


def _cents(node: ast.Call) -> Formula:
    if node.keywords or len(node.args) != 1:
        raise _Rejected(f"'{ast.unparse(node)}' is not allowed; write cents(expression)")
    return _Cents(_build(node.args[0]))


_FUNCTIONS: dict[str, Callable[[ast.Call], Formula]] = {"sum": _sum, "vat": _vat, "cents": _cents}


def _call(node: ast.expr) -> Formula:
    assert isinstance(node, ast.Call)
    build = _FUNCTIONS.get(node.func.id) if isinstance(node.func, ast.Name) else None
    if build is None:
        raise _Rejected(f"a call to '{ast.unparse(node.func)}' is not allowed; {_HINT}")
    return build(node)


_BUILDERS: dict[type[ast.AST], Callable[[ast.expr], Formula]] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.BinOp: _binary,
    ast.UnaryOp: _unary,
    ast.Call: _call,
}
