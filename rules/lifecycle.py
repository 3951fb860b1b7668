"""What an e-invoicing platform's flow status means for the invoice: the one table of it.

Platforms word their statuses differently: the French reform's lifecycle codes ("200",
"Déposée", "Encaissée"…), their French labels with or without accents, English words from
sandboxes (`deposited`, `paid`), and `DirectoryDrop`'s own `deposited`/`collected`. `meaning`
folds them all (case, accents, spaces, a leading code: "212 - Encaissée") to one entry of
`LIFECYCLE`. Codes follow the lifecycle statuses of the French e-invoicing reform (the
DGFiP's external specifications, as we read them: not checked against official files here).

A final meaning ends the polling of the flow; its `action` is the workflow action the
platform takes on the invoice (`record_rejection`, `record_refusal`, `mark_paid` in the
`customer_invoice` template). A status nobody listed is recorded as `unknown` and polled on.
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Meaning:
    """How the invoice stands on the platform; `action` is taken on the document when it is final."""

    key: str
    final: bool = False
    action: str | None = None


DEPOSITED = Meaning("deposited")
IN_PROGRESS = Meaning("in_progress")
APPROVED = Meaning("approved")
DISPUTED = Meaning("disputed")
REFUSED = Meaning("refused", final=True, action="record_refusal")
REJECTED = Meaning("rejected", final=True, action="record_rejection")
PAID = Meaning("paid", final=True, action="mark_paid")
UNKNOWN = Meaning("unknown")

# (code, French label, meaning); English words and other spellings are in ALIASES.
LIFECYCLE: tuple[tuple[str, str, Meaning], ...] = (
    ("200", "Déposée", DEPOSITED),  # handed to the issuer's platform
    ("201", "Émise par la plateforme", IN_PROGRESS),
    ("202", "Reçue par la plateforme", IN_PROGRESS),  # the buyer's platform has it
    ("203", "Mise à disposition", IN_PROGRESS),  # the buyer can see it
    ("204", "Prise en charge", IN_PROGRESS),
    ("205", "Approuvée", APPROVED),
    ("206", "Approuvée partiellement", APPROVED),
    ("207", "En litige", DISPUTED),
    ("208", "Suspendue", DISPUTED),
    ("209", "Complétée", IN_PROGRESS),
    ("210", "Refusée", REFUSED),  # the buyer refuses the invoice
    ("211", "Paiement transmis", IN_PROGRESS),  # the buyer says it paid: not yet received
    ("212", "Encaissée", PAID),  # the seller received the payment
    ("213", "Rejetée", REJECTED),  # a platform rejects the flow (format, rules, routing)
)

ALIASES: dict[str, Meaning] = {
    "deposited": DEPOSITED, "deposee": DEPOSITED, "submitted": DEPOSITED,
    "collected": IN_PROGRESS,  # DirectoryDrop: the platform took the file
    "issued": IN_PROGRESS, "emise": IN_PROGRESS, "received": IN_PROGRESS, "recue": IN_PROGRESS,
    "made available": IN_PROGRESS, "available": IN_PROGRESS, "in hand": IN_PROGRESS,
    "completed": IN_PROGRESS, "payment transmitted": IN_PROGRESS,
    "approved": APPROVED, "partially approved": APPROVED,
    "disputed": DISPUTED, "suspended": DISPUTED,
    "refused": REFUSED, "refusee": REFUSED,
    "rejected": REJECTED, "rejetee": REJECTED,
    "paid": PAID, "cashed": PAID, "encaissee": PAID,
}


def _folded(text: str) -> str:
    """Lower case, no accents, single spaces: "  Encaissée " -> "encaissee"."""
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-]+", " ", bare).lower().split())


_TABLE: dict[str, Meaning] = {
    **ALIASES,
    **{code: meaning for code, _, meaning in LIFECYCLE},
    **{_folded(label): meaning for _, label, meaning in LIFECYCLE},
}
_LEADING_CODE = re.compile(r"^(\d{3})\b")


def meaning(status: str) -> Meaning:
    """The meaning of a platform's status word or code; `UNKNOWN` when it is in no table."""
    folded = _folded(status)
    if folded in _TABLE:
        return _TABLE[folded]
    code = _LEADING_CODE.match(folded)
    return _TABLE.get(code.group(1), UNKNOWN) if code else UNKNOWN
