import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rules.actors import Actor, Grant
from rules.definitions import Workflow, parse_workflow

TEMPLATE = Path(__file__).resolve().parents[2] / "ui-schemas" / "purchase_request"
CREATOR_ID = 1


@pytest.fixture(scope="session")
def _template_raw() -> dict[str, Any]:
    return json.loads((TEMPLATE / "workflow.json").read_text(encoding="utf-8"))


@pytest.fixture
def raw(_template_raw: dict[str, Any]) -> dict[str, Any]:
    """The shipped purchase-request workflow JSON (a fresh copy per test)."""
    return copy.deepcopy(_template_raw)


@pytest.fixture
def workflow(raw: dict[str, Any]) -> Workflow:
    return parse_workflow(raw)


@pytest.fixture(scope="session")
def fields() -> list[str]:
    """The top-level data fields of the shipped purchase-request schema."""
    schema = json.loads((TEMPLATE / "schema.json").read_text(encoding="utf-8"))
    return list(schema["properties"])


@pytest.fixture
def request_of() -> Callable[..., dict[str, Any]]:
    """Purchase-request data for a total excluding VAT."""

    def build(total_ht: float | None = 1000.0, department: str | None = "IT") -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": "Laptops",
            "supplier": "ACME",
            "lines": [{"description": "Laptop", "quantity": 1, "unit_price": total_ht, "vat_rate": 20}],
        }
        if department is not None:
            data["department"] = department
        if total_ht is not None:
            data["total_ht"] = total_ht
        return data

    return build


@pytest.fixture
def alice() -> Actor:
    """The requester who creates the documents (user CREATOR_ID)."""
    return Actor(CREATOR_ID, (Grant("requester"),))


@pytest.fixture
def bob() -> Actor:
    """Service manager of the IT department."""
    return Actor(2, (Grant("service_manager", {"department": "IT"}),))


@pytest.fixture
def paula() -> Actor:
    """Service manager of the OPS department."""
    return Actor(3, (Grant("service_manager", {"department": "OPS"}),))


@pytest.fixture
def dan() -> Actor:
    """Finance director (DAF)."""
    return Actor(4, (Grant("daf"),))


@pytest.fixture
def gina() -> Actor:
    """General manager (DG)."""
    return Actor(5, (Grant("dg"),))


@pytest.fixture
def carl() -> Actor:
    """Accountant."""
    return Actor(6, (Grant("accounting"),))


@pytest.fixture
def root() -> Actor:
    """An administrator holding no business role."""
    return Actor(7, (), is_admin=True)


@pytest.fixture
def stranger() -> Actor:
    """A member of the organisation with no role in this circuit."""
    return Actor(8, (Grant("requester"),))
