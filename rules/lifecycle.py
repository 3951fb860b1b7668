"""What an invoice's lifecycle status means for us: the one table of the French codes.

The reform's lifecycle statuses (XP Z12-012/014, carried in CDAR messages: `jobs/cdar/`) are
codes 200-601 with a French label; platforms and sandboxes also word them as labels with or
without accents, English words (`deposited`, `paid`), and `DirectoryDrop` has its own
`deposited`/`collected`. `meaning` folds them all (case, accents, spaces, a leading code:
"212 - Encaissée") to one `Status` or `Meaning`.

A final meaning ends the polling of the flow; its `action` is the workflow action the platform
takes on our customer invoice (`record_rejection`, `record_refusal`, `mark_paid`,
`record_cancellation` in the `customer_invoice` template). `sender` says who emits the status
per XP Z12-014 annex B: the seller's platform (PA-E), the buyer's (PA-R), the buyer, the seller.

Unknown statuses: recorded as `unknown`, not final (a later status may still explain it), but
`models.platform_status.queue_polls` stops polling a flow whose status stayed unknown for
`UNKNOWN_GIVE_UP_SLOTS` poll slots, so nothing is polled forever.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Meaning:
    """How the invoice stands on the platform; `action` is taken on the document when it is final."""

    key: str
    final: bool = False
    action: str | None = None


class Sender(Enum):
    """Who emits a status (XP Z12-014): the platform of either side, the buyer or the seller."""

    PLATFORM = "platform"  # PA-E or PA-R, or the PPF for 300-601
    BUYER = "buyer"
    SELLER = "seller"


DEPOSITED = Meaning("deposited")
IN_PROGRESS = Meaning("in_progress")
APPROVED = Meaning("approved")
DISPUTED = Meaning("disputed")
PAYMENT_SENT = Meaning("payment_sent")
INFORMATION = Meaning("information")  # factoring, direct payment, PPF reporting: the invoice does not move
REFUSED = Meaning("refused", final=True, action="record_refusal")
REJECTED = Meaning("rejected", final=True, action="record_rejection")
PAID = Meaning("paid", final=True, action="mark_paid")
CANCELLED = Meaning("cancelled", final=True, action="record_cancellation")
UNKNOWN = Meaning("unknown")

UNKNOWN_GIVE_UP_SLOTS = 12


@dataclass(frozen=True)
class Status:
    """One official lifecycle code: its French label, what it means for us, who sends it, and
    whether the CDAR must carry a reason code (BR-FR-CDV-15)."""

    code: str
    label: str
    meaning: Meaning
    sender: Sender
    reason_required: bool = False


# Labels of 200-228 and 501 as XP Z12-014 annex B and BR-FR-CDV name them. 250-601 are not
# labelled in the material we hold (only listed as valid codes by BR-FR-CDV-CL-06): their labels
# below are descriptive placeholders, to be checked against the XP Z12-012 code list.
STATUSES: tuple[Status, ...] = (
    Status("200", "Déposée", DEPOSITED, Sender.PLATFORM),
    Status("201", "Émise par la plateforme", IN_PROGRESS, Sender.PLATFORM),
    Status("202", "Reçue par la plateforme", IN_PROGRESS, Sender.PLATFORM),
    Status("203", "Mise à disposition", IN_PROGRESS, Sender.PLATFORM),
    Status("204", "Prise en charge", IN_PROGRESS, Sender.BUYER),
    Status("205", "Approuvée", APPROVED, Sender.BUYER),
    Status("206", "Approuvée partiellement", APPROVED, Sender.BUYER, reason_required=True),
    Status("207", "En litige", DISPUTED, Sender.BUYER, reason_required=True),
    Status("208", "Suspendue", DISPUTED, Sender.BUYER, reason_required=True),
    Status("209", "Complétée", IN_PROGRESS, Sender.SELLER),
    Status("210", "Refusée", REFUSED, Sender.BUYER, reason_required=True),
    Status("211", "Paiement transmis", PAYMENT_SENT, Sender.BUYER),  # not yet received: not final
    Status("212", "Encaissée", PAID, Sender.SELLER),
    Status("213", "Rejetée", REJECTED, Sender.PLATFORM, reason_required=True),
    Status("214", "Visée", APPROVED, Sender.BUYER),
    Status("220", "Annulée", CANCELLED, Sender.SELLER),
    Status("221", "Erreur de routage", IN_PROGRESS, Sender.PLATFORM),  # the PA-E routes it again
    Status("224", "Demande de paiement direct", INFORMATION, Sender.SELLER),
    Status("225", "Affacturée", INFORMATION, Sender.SELLER),
    Status("226", "Affacturée confidentiel", INFORMATION, Sender.SELLER),
    Status("227", "Changement de compte à payer", INFORMATION, Sender.SELLER),
    Status("228", "Non affacturée", INFORMATION, Sender.SELLER),
    Status("250", "Statut 250 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("251", "Statut 251 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("300", "Statut 300 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("301", "Statut 301 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("400", "Statut 400 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("401", "Statut 401 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
    Status("500", "Recevable", IN_PROGRESS, Sender.PLATFORM),
    Status("501", "Irrecevable", REJECTED, Sender.PLATFORM, reason_required=True),
    Status("601", "Statut 601 (libellé à confirmer)", INFORMATION, Sender.PLATFORM),
)
BY_CODE: dict[str, Status] = {status.code: status for status in STATUSES}

# (code, French label, meaning): the shape callers of the first table read.
LIFECYCLE: tuple[tuple[str, str, Meaning], ...] = tuple((s.code, s.label, s.meaning) for s in STATUSES)

ALIASES: dict[str, Meaning] = {
    "deposited": DEPOSITED, "deposee": DEPOSITED, "submitted": DEPOSITED,
    "collected": IN_PROGRESS,  # DirectoryDrop: the platform took the file
    "issued": IN_PROGRESS, "emise": IN_PROGRESS, "received": IN_PROGRESS, "recue": IN_PROGRESS,
    "made available": IN_PROGRESS, "available": IN_PROGRESS, "in hand": IN_PROGRESS,
    "completed": IN_PROGRESS, "payment transmitted": PAYMENT_SENT,
    "approved": APPROVED, "partially approved": APPROVED,
    "disputed": DISPUTED, "suspended": DISPUTED,
    "refused": REFUSED, "refusee": REFUSED,
    "rejected": REJECTED, "rejetee": REJECTED,
    "paid": PAID, "cashed": PAID, "encaissee": PAID,
    "cancelled": CANCELLED, "canceled": CANCELLED, "annulee": CANCELLED,
}


def _folded(text: str) -> str:
    """Lower case, no accents, single spaces: "  Encaissée " -> "encaissee"."""
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-]+", " ", bare).lower().split())


_TABLE: dict[str, Meaning] = {
    **ALIASES,
    **{status.code: status.meaning for status in STATUSES},
    **{_folded(status.label): status.meaning for status in STATUSES if "confirmer" not in status.label},
}
_LEADING_CODE = re.compile(r"^(\d{3})\b")


def meaning(status: str) -> Meaning:
    """The meaning of a platform's status word or code; `UNKNOWN` when it is in no table."""
    folded = _folded(status)
    if folded in _TABLE:
        return _TABLE[folded]
    code = _LEADING_CODE.match(folded)
    return _TABLE.get(code.group(1), UNKNOWN) if code else UNKNOWN


def label(code: str) -> str:
    """The French label of an official code; an unofficial code is shown as itself."""
    found = BY_CODE.get(code)
    return found.label if found else f"Statut {code} (inconnu)"


# The AFNOR Flow Service's acknowledgement of a file (did the platform take it), which is not
# a lifecycle status: it never moves the invoice. `Ok` and `Error` end the polling of the flow;
# lifecycle statuses then arrive as CDAR flows of their own (`Error`: a 213 or 501 follows).
ACKNOWLEDGEMENTS: dict[str, Meaning] = {
    "pending": Meaning("acknowledgement_pending"),
    "ok": Meaning("acknowledged", final=True),
    "error": Meaning("acknowledgement_error", final=True),
}


def acknowledgement(status: str) -> Meaning:
    """The meaning of a flow's acknowledgement status; `UNKNOWN` for a word the API does not define."""
    return ACKNOWLEDGEMENTS.get(_folded(status), UNKNOWN)
