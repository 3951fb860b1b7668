from decimal import Decimal

import pytest

from rules.conditions import compile_condition
from rules.errors import ConditionError, WorkflowError


def test_integers_reach_cel_as_doubles():
    assert compile_condition("total_ht < 500.0").holds({"total_ht": 499}, {})
    assert compile_condition("total_ht < 500.0").holds({"total_ht": Decimal("499.99")}, {})


def test_integer_literal_compares_with_double_data():
    assert compile_condition("total_ht >= 500").holds({"total_ht": 500.0}, {})


def test_booleans_stay_booleans():
    assert compile_condition("urgent == true").holds({"urgent": True}, {})


def test_missing_field_is_null():
    assert compile_condition("department == null").holds({}, {})


def test_lines_are_converted_recursively():
    condition = compile_condition("lines.exists(l, l.amount > 100.0)")

    assert condition.holds({"lines": [{"amount": 50}, {"amount": 150}]}, {})
    assert not condition.holds({"lines": [{"amount": 50}]}, {})


def test_params_are_read_from_the_parameters():
    condition = compile_condition("total_ht < params.limit")

    assert condition.holds({"total_ht": 10}, {"limit": 100})
    assert not condition.holds({"total_ht": 1000}, {"limit": 100})


def test_names_leave_out_comprehension_variables():
    condition = compile_condition("lines.all(line, line.quantity > 0.0) && department == 'l.exists(x, 1)'")

    assert condition.names == {"lines", "department"}


def test_syntax_error_names_the_position():
    with pytest.raises(ConditionError) as caught:
        compile_condition("total_ht < ")

    message = str(caught.value)
    assert message.startswith("condition 'total_ht < ' does not compile: ERROR: <input>:1:12: Syntax error")
    assert isinstance(caught.value, WorkflowError)


def test_blank_condition_does_not_compile():
    with pytest.raises(ConditionError, match="non-empty CEL expression"):
        compile_condition("  ")


def test_evaluation_error_is_a_condition_error_naming_the_empty_fields():
    with pytest.raises(ConditionError) as caught:
        compile_condition("total_ht < 500.0").holds({}, {})

    assert str(caught.value).startswith(
        "condition 'total_ht < 500.0' could not be evaluated: No such overload"
    )
    assert str(caught.value).endswith("(empty: total_ht)")


def test_missing_parameter_is_a_condition_error():
    with pytest.raises(ConditionError, match="could not be evaluated: no key 'limit'"):
        compile_condition("params.limit > 1.0").holds({}, {})


def test_guard_must_give_a_boolean():
    with pytest.raises(ConditionError, match="gave 'IT', not true or false"):
        compile_condition("department").holds({"department": "IT"}, {})


def test_value_returns_what_a_scope_evaluates_to():
    assert compile_condition("department").value({"department": "IT"}, {}) == "IT"


def test_conditions_are_equal_by_source():
    assert compile_condition("a == 1.0") == compile_condition("a == 1.0")
    assert hash(compile_condition("a == 1.0")) == hash(compile_condition("a == 1.0"))
