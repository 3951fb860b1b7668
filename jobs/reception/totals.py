"""The file's totals checked against its own lines, allowances and charges.

Totals are never recomputed: what the supplier wrote is what is received and shown. Each
sum that does not hold becomes a non-fatal problem pointing at the field of the document
data, under the EN 16931 rule id that states it, so a person sees the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from jobs.reception.model import Invoice
from jobs.reception.outcomes import Problem


@dataclass(frozen=True)
class _Sum:
    rule: str
    pointer: str
    stated_term: str
    stated: Decimal | None
    computed_from: str
    computed: Decimal | None


def check_totals(invoice: Invoice) -> list[Problem]:
    return [
        Problem(
            rule=check.rule,
            location=check.pointer,
            message=(
                f"{check.stated_term} is {check.stated} in the file but {check.computed_from} gives {check.computed} "
                f"(difference {check.stated - check.computed}); the file's value is kept: check it with the supplier"
            ),
            fatal=False,
        )
        for check in _sums(invoice)
        if check.stated is not None and check.computed is not None and check.stated != check.computed
    ]


def _total(values: list[Decimal | None]) -> Decimal | None:
    """The sum, or None when a term is missing (nothing to compare then)."""
    if any(value is None for value in values):
        return None
    return sum((value for value in values if value is not None), Decimal(0))


def _sums(invoice: Invoice) -> Iterator[_Sum]:
    totals = invoice.totals
    if invoice.lines:
        lines = _total([line.net_amount for line in invoice.lines])
        yield _Sum("BR-CO-10", "/lines", "the sum of line net amounts (BT-106)", totals.line_net, "the lines", lines)
    allowances = [item.amount for item in invoice.allowances_charges if not item.charge]
    charges = [item.amount for item in invoice.allowances_charges if item.charge]
    if allowances or totals.allowances is not None:
        yield _Sum(
            "BR-CO-11",
            "/allowances_charges",
            "the allowance total (BT-107)",
            totals.allowances or Decimal(0),
            "the document-level allowances",
            _total(allowances),
        )
    if charges or totals.charges is not None:
        yield _Sum(
            "BR-CO-12",
            "/allowances_charges",
            "the charge total (BT-108)",
            totals.charges or Decimal(0),
            "the document-level charges",
            _total(charges),
        )
    if totals.line_net is not None:
        yield _Sum(
            "BR-CO-13",
            "/total_ht",
            "the total without VAT (BT-109)",
            totals.without_vat,
            "BT-106 - BT-107 + BT-108",
            totals.line_net - (totals.allowances or Decimal(0)) + (totals.charges or Decimal(0)),
        )
    if totals.without_vat is not None:
        yield _Sum(
            "BR-CO-15",
            "/total_ttc",
            "the total with VAT (BT-112)",
            totals.with_vat,
            "BT-109 + BT-110",
            totals.without_vat + (totals.vat or Decimal(0)),
        )
    if totals.with_vat is not None:
        yield _Sum(
            "BR-CO-16",
            "/amount_due",
            "the amount due (BT-115)",
            totals.amount_due,
            "BT-112 - BT-113 + BT-114",
            totals.with_vat - (totals.prepaid or Decimal(0)) + (totals.rounding or Decimal(0)),
        )
