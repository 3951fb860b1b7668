import copy
import json
from typing import Any

import pytest

from form_engine.computed import check_formulas, compute, computed_fields
from form_engine.errors import FormError
from form_engine.validation import validate


def request(*lines: tuple[Any, Any, Any]) -> dict[str, Any]:
    return {
        "title": "t",
        "department": "IT",
        "supplier": "ACME",
        "lines": [
            {"description": f"line {n}", "quantity": q, "unit_price": p, "vat_rate": r}
            for n, (q, p, r) in enumerate(lines)
        ],
    }


def formula_schema(formula: str, **fields: dict) -> dict[str, Any]:
    lines = {"type": "array", "items": {"properties": {"q": {}, "p": {}}}}
    properties = {"a": {}, "b": {}, "lines": lines, **fields, "result": {"x-computed": formula}}
    return {"properties": properties}


def test_line_amounts_and_totals_are_computed(schema: dict, request_data: dict) -> None:
    result = compute(schema, request_data)
    assert [line["amount"] for line in result["lines"]] == [2401.0, 30.0]
    assert result["total_ht"] == 2431.0
    assert result["total_vat"] == 481.85  # 480.20 at 20 % + 1.65 at 5.5 %
    assert result["total_ttc"] == 2912.85


def test_compute_returns_a_new_copy_and_leaves_the_input_alone(schema: dict, request_data: dict) -> None:
    before = copy.deepcopy(request_data)
    result = compute(schema, request_data)
    assert request_data == before
    assert result["lines"] is not request_data["lines"]


@pytest.mark.parametrize(
    ("quantity", "unit_price", "amount"),
    [(3, 0.335, 1.01), (1, 0.125, 0.13), (1, 2.675, 2.68), (0.5, 0.01, 0.01), (7, 0.1, 0.7)],
)
def test_line_amount_is_rounded_half_up_to_the_cent(
    schema: dict, quantity: float, unit_price: float, amount: float
) -> None:
    result = compute(schema, request((quantity, unit_price, 0)))
    assert result["lines"][0]["amount"] == amount


def test_total_just_below_the_5000_threshold_stays_exactly_4999_99(schema: dict) -> None:
    result = compute(schema, request((3, 1666.663, 0)))
    assert json.dumps(result["total_ht"]) == "4999.99"
    assert json.dumps(result["total_ttc"]) == "4999.99"


def test_total_adds_rounded_line_amounts_so_two_half_cents_reach_5000(schema: dict) -> None:
    # 0.5 x 4999.99 = 2499.995 per line: each amount rounds to 2500.00 before the sum.
    result = compute(schema, request((0.5, 4999.99, 0), (0.5, 4999.99, 0)))
    assert [line["amount"] for line in result["lines"]] == [2500.0, 2500.0]
    assert result["total_ht"] == 5000.0


def test_vat_is_rounded_once_per_rate_not_once_per_line(schema: dict) -> None:
    # Per line, 0.10 at 5.5 % is 0.0055 -> 0.01, three times 0.03; grouped, 0.30 -> 0.0165 -> 0.02.
    result = compute(schema, request((1, 0.10, 5.5), (1, 0.10, 5.5), (1, 0.10, 5.5), (1, 1, 20)))
    assert result["total_vat"] == 0.22
    assert result["total_ttc"] == 1.52


def test_vat_rates_written_differently_are_one_group(schema: dict) -> None:
    result = compute(schema, request((1, 0.10, 5.5), (1, 0.10, 5.50), (1, 0.10, 5.5)))
    assert result["total_vat"] == 0.02


def test_client_sent_computed_values_are_overridden(schema: dict, request_data: dict) -> None:
    request_data["lines"][0]["amount"] = 1
    request_data["total_ht"] = 1
    request_data["total_vat"] = 0
    request_data["total_ttc"] = 1
    result = compute(schema, request_data)
    assert result["lines"][0]["amount"] == 2401.0
    assert (result["total_ht"], result["total_vat"], result["total_ttc"]) == (
        2431.0,
        481.85,
        2912.85,
    )


def test_non_numeric_quantity_leaves_amount_and_totals_out_and_validation_flags_it(
    schema: dict, request_data: dict
) -> None:
    request_data["lines"][0]["quantity"] = "abc"
    request_data["lines"][0]["amount"] = 999
    request_data["total_ht"] = 999
    result = compute(schema, request_data)
    assert "amount" not in result["lines"][0]
    assert result["lines"][1]["amount"] == 30.0
    assert not {"total_ht", "total_vat", "total_ttc"} & set(result)
    assert [(e.path, e.message) for e in validate(schema, result)] == [
        ("/lines/0/quantity", 'must be a number (got "abc")')
    ]


@pytest.mark.parametrize("quantity", [True, None, [1], float("nan")])
def test_quantity_that_is_not_a_finite_number_leaves_amount_out(schema: dict, quantity: Any) -> None:
    result = compute(schema, request((quantity, 10, 20)))
    assert "amount" not in result["lines"][0]


def test_line_that_is_not_an_object_leaves_totals_out(schema: dict) -> None:
    data = request((1, 10, 20))
    data["lines"].append("oops")
    result = compute(schema, data)
    assert result["lines"][0]["amount"] == 10.0
    assert "total_ht" not in result


def test_no_lines_gives_zero_totals(schema: dict) -> None:
    result = compute(schema, request())
    assert (result["total_ht"], result["total_vat"], result["total_ttc"]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("data", [None, "text", [1, 2], 3])
def test_data_that_is_not_an_object_is_returned_unchanged(schema: dict, data: Any) -> None:
    assert compute(schema, data) == data


def test_formula_uses_parentheses_division_and_negation() -> None:
    result = compute(formula_schema("-(a - b) / 3 + 0.5 * 2"), {"a": 1, "b": 2})
    assert result["result"] == 1.33


def test_negative_zero_is_stored_as_zero() -> None:
    result = compute(formula_schema("-a"), {"a": 0})
    assert json.dumps(result["result"]) == "0.0"


def test_division_by_zero_leaves_the_field_out() -> None:
    assert "result" not in compute(formula_schema("a / b"), {"a": 1, "b": 0})


def test_sum_takes_an_expression_per_line() -> None:
    data = {"lines": [{"q": 2, "p": 0.335}, {"q": 1, "p": 1}]}
    assert compute(formula_schema("sum(lines, q * p)"), data)["result"] == 1.67


def test_computed_fields_lists_pointers_in_schema_order(schema: dict) -> None:
    assert computed_fields(schema) == ["/lines/*/amount", "/total_ht", "/total_vat", "/total_ttc"]


def test_shipped_formulas_pass_the_check(schema: dict) -> None:
    check_formulas(schema)


@pytest.mark.parametrize(
    ("formula", "offending"),
    [
        ("a.__class__", "attribute access 'a.__class__'"),
        ("__import__('os').system('ls')", "a call to '__import__('os').system'"),
        ("__import__('os')", "a call to '__import__'"),
        ("open('/etc/passwd')", "a call to 'open'"),
        ("(lambda: 1)()", "a call to 'lambda: 1'"),
        ("lambda: 1", "a lambda 'lambda: 1'"),
        ("a ** 2", "the operator in 'a ** 2'"),
        ("a % 2", "the operator in 'a % 2'"),
        ("a // 2", "the operator in 'a // 2'"),
        ("+a", "the operator in '+a'"),
        ("not a", "the operator in 'not a'"),
        ("a if b else 1", "a conditional expression 'a if b else 1'"),
        ("a < b", "a comparison 'a < b'"),
        ("a and b", "a boolean operator 'a and b'"),
        ("[x for x in lines]", "a comprehension"),
        ("lines[0]", "indexing 'lines[0]'"),
        ("'text'", "the constant 'text'"),
        ("True", "the constant True"),
        ("1j", "the constant 1j"),
        ("(a := 1)", "an assignment"),
        ("sum(lines.q, p)", "'lines.q' as a list of sum(list, expression)"),
        ("sum(lines, q, lines.q, p)", "'lines.q' as a list of sum(list, expression)"),
        ("vat(lines, q, p, lines, q)", "write vat(list, base, rate), optionally followed by further lists"),
        ("sum()", "write sum(list, expression)"),
        ("cents(a, b)", "write cents(expression)"),
        ("cents(x=a)", "write cents(expression)"),
        ("cents()", "write cents(expression)"),
        ("sum(lines, q, p)", "write sum(list, expression)"),
        ("vat(lines, q)", "write vat(list, base, rate)"),
        ("sum(lines, expr=q)", "write sum(list, expression)"),
        ("a +", "not a valid expression"),
        ("a; b", "not a valid expression"),
    ],
)
def test_formula_outside_the_whitelist_raises_form_error(formula: str, offending: str) -> None:
    with pytest.raises(FormError) as raised:
        compute(formula_schema(formula), {"a": 1, "b": 2})
    message = str(raised.value)
    assert message.startswith(f"x-computed formula {formula!r} at /properties/result: ")
    assert offending in message


def test_bad_line_formula_names_its_place_in_the_schema() -> None:
    schema = {"properties": {"lines": {"items": {"properties": {"x": {"x-computed": "x.y"}}}}}}
    with pytest.raises(FormError, match=r"at /properties/lines/items/properties/x: attribute"):
        compute(schema, {})


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("c * 2", "'c' is not a field of the form"),
        ("sum(lines, amount)", "'amount' is not a field of the form"),
        ("sum(a, q)", "'a' is not a list field of the form"),
        ("vat(lines, q, rate)", "'rate' is not a field of the form"),
        ("sum(lines, q, a, q)", "'a' is not a list field of the form"),
        ("vat(lines, q, p, others, q, p)", "'others' is not a list field of the form"),
        ("vat(lines, q, p, lines, q, rate)", "'rate' is not a field of the form"),
        ("cents(c)", "'c' is not a field of the form"),
    ],
)
def test_formula_naming_an_unknown_field_raises_form_error(formula: str, problem: str) -> None:
    with pytest.raises(FormError, match=problem):
        compute(formula_schema(formula), {})


def test_formula_that_is_not_a_string_raises_form_error() -> None:
    schema = {"properties": {"total": {"x-computed": 42}}}
    with pytest.raises(FormError, match=r"x-computed at /properties/total must be a formula string"):
        compute(schema, {})


def invoice_schema(charges: bool = False) -> dict[str, Any]:
    """Lines, document-level allowances (and charges) and totals written as EN 16931 states them."""
    amount = {"x-computed": "quantity * unit_price"}
    line = {"properties": {"quantity": {}, "unit_price": {}, "vat_rate": {}, "amount": amount}}
    adjustment = {"properties": {"amount": {}, "vat_rate": {}}}
    lists = "lines, amount, vat_rate, allowances, -cents(amount), vat_rate"
    total_ht = "sum(lines, amount, allowances, -cents(amount))"
    if charges:
        lists += ", charges, cents(amount), vat_rate"
        total_ht = "sum(lines, amount, allowances, -cents(amount), charges, cents(amount))"
    properties = {
        "lines": {"type": "array", "items": line},
        "allowances": {"type": "array", "items": adjustment},
        **({"charges": {"type": "array", "items": adjustment}} if charges else {}),
        "total_ht": {"x-computed": total_ht},
        "total_vat": {"x-computed": f"vat({lists})"},
        "total_ttc": {"x-computed": "total_ht + total_vat"},
    }
    return {"properties": properties}


def lines(*amounts: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"quantity": 1, "unit_price": amount, "vat_rate": rate} for amount, rate in amounts]


def adjustments(*amounts: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"amount": amount, "vat_rate": rate} for amount, rate in amounts]


def totals(result: dict[str, Any]) -> tuple[float, float, float]:
    return result["total_ht"], result["total_vat"], result["total_ttc"]


def test_allowances_lower_the_vat_base_of_their_own_rate() -> None:
    data = {
        "lines": lines((1000, 20), (200, 5.5), (300, 0)),
        "allowances": adjustments((100, 20), (10, 5.5), (0.5, 20)),
    }
    # 20 %: 899.50 -> 179.90; 5.5 %: 190.00 -> 10.45; 0 %: 300.00 -> 0
    assert totals(compute(invoice_schema(), data)) == (1389.5, 190.35, 1579.85)


def test_exempt_allowance_lowers_the_total_but_not_the_vat() -> None:
    data = {"lines": lines((1000, 20), (500, 0)), "allowances": adjustments((50, 0))}
    assert totals(compute(invoice_schema(), data)) == (1450.0, 200.0, 1650.0)


def test_allowance_amounts_are_rounded_half_up_to_the_cent_one_by_one() -> None:
    # Each 0.005 is 0.01 (BT-92), so the two take 0.02 off, not 0.01.
    data = {"lines": lines((100, 20)), "allowances": adjustments((0.005, 20), (0.005, 20))}
    assert totals(compute(invoice_schema(), data)) == (99.98, 20.0, 119.98)


def test_vat_of_a_rate_is_rounded_once_after_its_allowances() -> None:
    # 10 %: 2.60 - 0.05 = 2.55 -> 0.255 -> 0.26 (half-up); rounded apart it would be 0.26 - 0.01.
    data = {"lines": lines((2.60, 10)), "allowances": adjustments((0.05, 10))}
    assert totals(compute(invoice_schema(), data)) == (2.55, 0.26, 2.81)


def test_allowance_at_a_rate_without_lines_gives_negative_vat_rounded_away_from_zero() -> None:
    # 10 %: -0.05 -> -0.005 -> -0.01, as Decimal's ROUND_HALF_UP and EN 16931 do.
    data = {"lines": lines((10, 20)), "allowances": adjustments((0.05, 10))}
    assert totals(compute(invoice_schema(), data)) == (9.95, 1.99, 11.94)


def test_charges_raise_the_vat_base_of_their_rate() -> None:
    data = {
        "lines": lines((1000, 20), (200, 5.5)),
        "allowances": adjustments((100, 20)),
        "charges": adjustments((50, 5.5), (0.005, 20)),
    }
    # 20 %: 900.01 -> 180.002 -> 180.00; 5.5 %: 250.00 -> 13.75
    assert totals(compute(invoice_schema(charges=True), data)) == (1150.01, 193.75, 1343.76)


@pytest.mark.parametrize("absent", [{}, {"allowances": None}, {"allowances": []}])
def test_further_lists_left_out_of_the_data_have_no_rows(absent: dict[str, Any]) -> None:
    data = {"lines": lines((10, 20), (0.1, 5.5)), **absent}
    assert totals(compute(invoice_schema(), data)) == (10.1, 2.01, 12.11)


def test_first_list_left_out_still_leaves_the_totals_out() -> None:
    result = compute(invoice_schema(), {"allowances": adjustments((10, 20))})
    assert not {"total_ht", "total_vat", "total_ttc"} & set(result)


@pytest.mark.parametrize("allowances", ["oops", ["oops"], adjustments(("10", 20))])
def test_allowances_that_are_not_rows_of_numbers_leave_the_totals_out(allowances: Any) -> None:
    result = compute(invoice_schema(), {"lines": lines((10, 20)), "allowances": allowances})
    assert not {"total_ht", "total_vat", "total_ttc"} & set(result)


def test_allowance_without_a_rate_leaves_only_the_vat_and_what_follows_out() -> None:
    result = compute(invoice_schema(), {"lines": lines((10, 20)), "allowances": adjustments((4, None))})
    assert result["total_ht"] == 6.0
    assert not {"total_vat", "total_ttc"} & set(result)


@pytest.mark.parametrize(
    ("a", "expected"), [(0.005, 0.03), (-0.005, -0.03), (2.675, 8.04), (0.0049, 0.0), (1.115, 3.36)]
)
def test_cents_rounds_half_up_away_from_zero_before_the_rest_of_the_formula(a: float, expected: float) -> None:
    assert compute(formula_schema("cents(a) * 3"), {"a": a})["result"] == expected


def test_sum_and_vat_of_one_list_are_unchanged(schema: dict, request_data: dict) -> None:
    shipped = compute(schema, request_data)
    properties = schema["properties"]
    properties["total_ht"]["x-computed"] = "sum(lines, amount, lines, 0)"
    properties["total_vat"]["x-computed"] = "vat(lines, amount, vat_rate, lines, 0, vat_rate)"
    assert totals(compute(schema, request_data)) == totals(shipped) == (2431.0, 481.85, 2912.85)
