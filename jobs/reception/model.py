"""The EN 16931 semantic model of a received invoice: one shape for UBL and CII alike.

Only the business terms Parapheur shows or checks are kept. Amounts and quantities are
Decimal exactly as written in the file (never recomputed, never rounded here); an element
absent from the file is None, so a reader can tell "0" from "not given".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ElectronicAddress:
    """BT-34 / BT-49 with its scheme (EAS code list: 0225 SIREN, 0009 SIRET, EM e-mail…)."""

    scheme: str | None
    id: str


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str | None
    siren: str | None
    vat_number: str | None
    electronic_address: ElectronicAddress | None


@dataclass(frozen=True)
class Line:
    """An invoice line (BG-25): BT-153, BT-129/BT-130, BT-146/BT-149, BT-151/BT-152, BT-131."""

    description: str | None
    quantity: Decimal | None
    unit_code: str | None
    price: Decimal | None
    price_base_quantity: Decimal | None
    vat_category: str | None
    vat_rate: Decimal | None
    net_amount: Decimal | None

    @property
    def unit_price(self) -> Decimal | None:
        """The net price of one unit: BT-146 divided by the price base quantity BT-149."""
        if self.price is None:
            return None
        if not self.price_base_quantity:
            return self.price
        return self.price / self.price_base_quantity


@dataclass(frozen=True)
class AllowanceCharge:
    """A document-level allowance (BG-20) or charge (BG-21)."""

    charge: bool
    amount: Decimal | None
    reason: str | None
    reason_code: str | None
    vat_category: str | None
    vat_rate: Decimal | None


@dataclass(frozen=True)
class PaymentMeans:
    """Payment instructions (BG-16): means code BT-81, IBAN BT-84, account name BT-85, BIC BT-86."""

    code: str | None
    iban: str | None
    account_name: str | None
    bic: str | None


@dataclass(frozen=True)
class Totals:
    """Document totals (BG-22) as the file states them."""

    line_net: Decimal | None  # BT-106
    allowances: Decimal | None  # BT-107
    charges: Decimal | None  # BT-108
    without_vat: Decimal | None  # BT-109
    vat: Decimal | None  # BT-110
    with_vat: Decimal | None  # BT-112
    prepaid: Decimal | None  # BT-113
    rounding: Decimal | None  # BT-114
    amount_due: Decimal | None  # BT-115


@dataclass(frozen=True)
class Invoice:
    """One received invoice or credit note."""

    type_code: str | None  # BT-3: 380 invoice, 381 credit note, 384 corrective, 389 self-billed…
    number: str | None  # BT-1
    issue_date: datetime.date | None  # BT-2
    due_date: datetime.date | None  # BT-9
    currency: str | None  # BT-5
    purchase_order: str | None  # BT-13
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    allowances_charges: tuple[AllowanceCharge, ...]
    totals: Totals
    payment_means: PaymentMeans | None
