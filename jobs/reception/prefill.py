"""Pre-filling a PDF invoice without structured data from its text, for a person to confirm.

Only what a label in the text names unambiguously is taken: "Facture n° …", "Date …",
"Échéance …", "Total HT …", "TVA …", "Total TTC …", "SIREN …", a French VAT number. A
SIREN must pass its Luhn check. Each expected field not found becomes a non-fatal problem
at its JSON pointer, so the form shows what is left to complete.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from jobs.reception.form_data import number
from jobs.reception.outcomes import Problem

_AMOUNT = r"(-?\d{1,3}(?:[  .,']\d{3})*(?:[.,]\d{1,2})?|-?\d+(?:[.,]\d{1,2})?)\s*(?:€|EUR)?"
_DATE = r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})"
_FLAGS = re.IGNORECASE | re.MULTILINE
_PATTERNS: dict[str, re.Pattern[str]] = {
    "invoice_number": re.compile(
        r"(?:facture|invoice|avoir|rechnung)\s*(?:n[°o º]\.?|num[ée]ro|number|nr\.?|no\.?|#)\s*:?\s*"
        r"([A-Z0-9][A-Z0-9/_.-]{1,34})",
        _FLAGS,
    ),
    "invoice_date": re.compile(r"(?:date(?: de (?:la )?facture)?|invoice date|du|le)\s*:?\s*" + _DATE, _FLAGS),
    "due_date": re.compile(r"(?:[ée]ch[ée]ance|due date|date limite de paiement|payable le)\s*:?\s*" + _DATE, _FLAGS),
    "total_ht": re.compile(
        r"(?:total\s*h\.?t\.?|total hors taxes?|montant h\.?t\.?|net amount)\s*:?\s*" + _AMOUNT, _FLAGS
    ),
    "total_vat": re.compile(r"(?:total\s*)?(?:t\.?v\.?a\.?|vat)(?:\s*\d+(?:[.,]\d+)?\s*%)?\s*:?\s*" + _AMOUNT, _FLAGS),
    "total_ttc": re.compile(
        r"(?:total\s*t\.?t\.?c\.?|net [àa] payer|montant t\.?t\.?c\.?|total due)\s*:?\s*" + _AMOUNT, _FLAGS
    ),
}
_SIREN = re.compile(r"(?:SIREN|SIRET|RCS[A-Za-zÀ-ÿ ]*)\s*:?\s*(\d{3}\s?\d{3}\s?\d{3})(?:\s?\d{5})?\b", _FLAGS)
_VAT = re.compile(r"\b(FR\s?[0-9A-Z]{2}\s?\d{3}\s?\d{3}\s?\d{3})\b")
EXPECTED = ("invoice_number", "invoice_date", "total_ht", "total_vat", "total_ttc")


def prefill(text: str) -> tuple[dict[str, Any], list[Problem]]:
    """The `supplier_invoice` fields the text gives, and a problem for each expected one missing."""
    data: dict[str, Any] = {}
    for field, pattern in _PATTERNS.items():
        value = _first(pattern, text, _CONVERTERS[field])
        if value is not None:
            data[field] = value
    seller = {}
    siren = next((digits for match in _SIREN.finditer(text) if _luhn(digits := re.sub(r"\s", "", match[1]))), None)
    if siren:
        seller["siren"] = siren
    vat = _VAT.search(text)
    if vat:
        seller["vat_number"] = re.sub(r"\s", "", vat[1])
    if seller:
        data["seller"] = seller
    problems = [
        Problem(
            "TO-COMPLETE",
            f"/{field}",
            f"{field} was not found in the PDF's text; a person must complete it from the PDF",
            False,
        )
        for field in EXPECTED
        if field not in data
    ]
    return data, problems


def _first(pattern: re.Pattern[str], text: str, convert: Callable[[str], Any]) -> Any:
    for match in pattern.finditer(text):
        value = convert(match[1])
        if value is not None:
            return value
    return None


def _text(value: str) -> str | None:
    return value.strip() or None


def _date(value: str) -> str | None:
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(value, layout).date().isoformat()
        except ValueError:
            continue
    return None


def _amount(value: str) -> float | None:
    """French (`1 234,56`) or English (`1,234.56`) layout: the last separator is the decimal one."""
    digits = re.sub(r"[  ']", "", value)
    last = max(digits.rfind(","), digits.rfind("."))
    if last != -1 and len(digits) - last - 1 in (1, 2):
        digits = re.sub(r"[.,]", "", digits[:last]) + "." + digits[last + 1 :]
    else:
        digits = re.sub(r"[.,]", "", digits)
    try:
        return number(Decimal(digits))
    except InvalidOperation:
        return None


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "invoice_number": _text,
    "invoice_date": _date,
    "due_date": _date,
    "total_ht": _amount,
    "total_vat": _amount,
    "total_ttc": _amount,
}


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return len(digits) == 9 and total % 10 == 0
