"""What a document write can come to: saved, or one of the business refusals.

These are values, not exceptions: the API turns each into its GraphQL result type.
"""

from dataclasses import dataclass, field

from form_engine.errors import FieldError
from models.errors import ModelError
from models.records import DocumentRecord
from rules.errors import Reason


@dataclass(frozen=True)
class Saved:
    document: DocumentRecord


@dataclass(frozen=True)
class Invalid:
    errors: list[FieldError]
    message: str = "The document data is invalid; see the field errors."


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    message: str


@dataclass(frozen=True)
class Conflict:
    current_version: int
    message: str = field(default="")


Outcome = Saved | Invalid | Refusal | Conflict


class Rollback(ModelError):
    """Raised inside a write transaction to undo it and hand back a refusal."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        super().__init__(str(outcome))
