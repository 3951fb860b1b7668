"""Reading business-term values out of an invoice's XML: text, Decimal, dates, SIREN.

Shared by the UBL and CII readers. The XSD has already checked the lexical forms when these
run, but a reader never trusts that: a value that does not parse is None, not an exception.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from lxml import etree

_DIGITS = re.compile(r"[0-9]+")
# ISO 6523 ICD codes of the French company registers (SIRENE): 0002 SIREN, 0009 SIRET.
SIREN_SCHEMES = frozenset({"0002", "0009"})


def text(element: etree._Element | None, path: str, namespaces: dict[str, str]) -> str | None:
    """The stripped text at `path` under `element`, None when absent or blank."""
    if element is None:
        return None
    found = element.find(path, namespaces)
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return value or None


def decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def iso_date(value: str | None) -> datetime.date | None:
    """An xs:date (`2026-03-02`, possibly with a zone suffix, which EN 16931 forbids but some send)."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def cii_date(value: str | None, format_code: str | None) -> datetime.date | None:
    """A CII `udt:DateTimeString`: format 102 is CCYYMMDD, the only one EN 16931 allows."""
    if value is None:
        return None
    if format_code in (None, "102") and re.fullmatch(r"[0-9]{8}", value.strip()):
        try:
            return datetime.datetime.strptime(value.strip(), "%Y%m%d").date()
        except ValueError:
            return None
    return iso_date(value)


def siren(identifier: str | None, scheme: str | None) -> str | None:
    """The SIREN in a legal or party identifier when its scheme says SIREN (0002) or SIRET (0009).

    Without a scheme, a 9-digit or 14-digit identifier is taken as a SIREN or SIRET, as French
    senders often omit it; anything else is not a SIREN.
    """
    if identifier is None:
        return None
    digits = identifier.replace(" ", "")
    if not _DIGITS.fullmatch(digits):
        return None
    if scheme in SIREN_SCHEMES or (scheme is None and len(digits) in (9, 14)):
        return digits[:9] if len(digits) in (9, 14) else None
    return None
