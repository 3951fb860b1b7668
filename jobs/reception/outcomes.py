"""What a reception ends in: received, waiting for a person to complete it, or rejected.

Every channel (GraphQL, `POST /api/invoices`, the drop folder, the platform) maps these three
values onto its own answer; the pipeline never raises for bad input. A `Problem` carries what
the GraphQL `InvoiceProblem` type shows: rule id, location, message, fatal flag.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from jobs.reception.model import Invoice
from jobs.reception.syntaxes import Syntax


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: `rule` as the rule set names it (`BR-CO-10`, `XSD`, `PDF`).

    `location` is an XPath in the file, a page of a PDF, or a JSON pointer in the document's
    data (`/total_ttc`); `fatal` problems are what make a file rejected.
    """

    rule: str
    location: str
    message: str
    fatal: bool


class Refusal(enum.Enum):
    """Why nothing was received; the HTTP channel maps `TOO_LARGE` to 413, `MEDIA_TYPE` to 415."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    MEDIA_TYPE = "media_type"
    UNREADABLE = "unreadable"
    HOSTILE = "hostile"
    NOT_AN_INVOICE = "not_an_invoice"
    INVALID = "invalid"


@dataclass(frozen=True)
class Source:
    """The file as it came: kept unchanged as the document's attachment (content-addressed)."""

    content: bytes = field(repr=False)
    media_type: str
    filename: str | None
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Received:
    """A structured invoice (UBL, CII, Factur-X) that passed its XSD and its fatal rules.

    `data` is the `supplier_invoice` document data; `problems` holds only non-fatal ones
    (warnings of the rule sets, French CTC rules, totals that do not add up, missing lines).
    `xml` is the structured invoice (the file itself, or the XML taken out of a PDF).
    """

    source: Source
    syntax: Syntax
    profile: str | None
    invoice: Invoice
    data: dict[str, Any]
    problems: tuple[Problem, ...]
    xml: bytes = field(repr=False)


@dataclass(frozen=True)
class ToComplete:
    """A PDF without structured data: what its text gave is pre-filled for a person to confirm."""

    source: Source
    data: dict[str, Any]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Rejected:
    """Nothing may be created: `message` says why in one sentence, `problems` lists every problem."""

    reason: Refusal
    message: str
    problems: tuple[Problem, ...]


Outcome = Received | ToComplete | Rejected
