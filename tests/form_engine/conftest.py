import copy
import json
from pathlib import Path
from typing import Any

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "ui-schemas" / "purchase_request"


@pytest.fixture(scope="session")
def _template_schema() -> dict[str, Any]:
    return json.loads((TEMPLATE / "schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def schema(_template_schema: dict[str, Any]) -> dict[str, Any]:
    """The shipped purchase-request schema (a fresh copy per test)."""
    return copy.deepcopy(_template_schema)


@pytest.fixture
def ui() -> dict[str, Any]:
    """The shipped purchase-request UI schema."""
    return json.loads((TEMPLATE / "ui.json").read_text(encoding="utf-8"))


@pytest.fixture
def request_data() -> dict[str, Any]:
    """A valid purchase request as a client sends it (no computed fields)."""
    return {
        "title": "Laptops for the new developers",
        "department": "IT",
        "supplier": "ACME",
        "analytic_code": "AN-42",
        "needed_by": "2026-03-31",
        "justification": "Two hires in March.",
        "lines": [
            {"description": "Laptop", "quantity": 2, "unit_price": 1200.5, "vat_rate": 20},
            {"description": "Cookbook", "quantity": 1, "unit_price": 30, "vat_rate": 5.5},
        ],
    }
