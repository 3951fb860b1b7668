"""The received invoice as `supplier_invoice` document data.

Numbers are JSON numbers (Python float), as the form engine stores them (`form_engine.computed`
writes `float(Decimal)`); each is converted from the file's Decimal through its exact decimal
string, so any amount of up to 15 significant digits reads back identical. Dates are ISO
strings. A term the file does not give is left out rather than set to null, so the data
stays valid against a schema whose fields are optional strings and numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from jobs.reception.model import AllowanceCharge, Invoice, Line, Party, PaymentMeans


def form_data(invoice: Invoice) -> dict[str, Any]:
    """The `supplier_invoice` data of `invoice`; key names are the document type's."""
    totals = invoice.totals
    return _compact(
        {
            "seller": party_data(invoice.seller),
            "buyer": party_data(invoice.buyer),
            "invoice_type": invoice.type_code,
            "invoice_number": invoice.number,
            "invoice_date": _date(invoice.issue_date),
            "due_date": _date(invoice.due_date),
            "currency": invoice.currency,
            "purchase_order_number": invoice.purchase_order,
            "lines": [_line(line) for line in invoice.lines],
            "allowances_charges": [_allowance_charge(item) for item in invoice.allowances_charges],
            "total_ht": number(totals.without_vat),
            "total_vat": number(totals.vat),
            "total_ttc": number(totals.with_vat),
            "amount_due": number(totals.amount_due),
            "payment_means": _payment_means(invoice.payment_means),
        }
    )


def number(value: Decimal | None) -> float | None:
    """A Decimal as the form engine's JSON number; `+ 0.0` turns -0.0 into 0.0 as it does."""
    return None if value is None else float(value) + 0.0


def party_data(party: Party) -> dict[str, Any]:
    address = party.electronic_address
    return _compact(
        {
            "name": party.name,
            "siren": party.siren,
            "vat_number": party.vat_number,
            "electronic_address": _compact({"scheme": address.scheme, "id": address.id}) if address else None,
        }
    )


def _date(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _line(line: Line) -> dict[str, Any]:
    return _compact(
        {
            "description": line.description,
            "quantity": number(line.quantity),
            "unit_code": line.unit_code,
            "unit_price": number(line.unit_price),
            "vat_category": line.vat_category,
            "vat_rate": number(line.vat_rate),
            "amount": number(line.net_amount),
        }
    )


def _allowance_charge(item: AllowanceCharge) -> dict[str, Any]:
    return _compact(
        {
            "charge": item.charge,
            "amount": number(item.amount),
            "reason": item.reason,
            "reason_code": item.reason_code,
            "vat_category": item.vat_category,
            "vat_rate": number(item.vat_rate),
        }
    )


def _payment_means(means: PaymentMeans | None) -> dict[str, Any] | None:
    if means is None:
        return None
    return _compact({"code": means.code, "iban": means.iban, "account_name": means.account_name, "bic": means.bic})


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the file does not say: None, empty objects (empty lists stay: 'no lines')."""
    return {key: value for key, value in data.items() if value is not None and value != {}}
