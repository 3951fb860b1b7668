"""What a document write can come to: saved, or one of the business refusals.

These are values, not exceptions: the API turns each into its GraphQL result type.
"""

from dataclasses import dataclass, field
from typing import Any

from form_engine.errors import FieldError


@dataclass(frozen=True)
class Saved:
    document: dict[str, Any]


@dataclass(frozen=True)
class Invalid:
    errors: list[FieldError]
    message: str = "The document data is invalid; see the field errors."


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str


@dataclass(frozen=True)
class Conflict:
    current_version: int
    message: str = field(default="")


Outcome = Saved | Invalid | Refusal | Conflict


class NotFound(Exception):
    """Raised when an id names nothing this viewer may see (unknown, or another tenant's)."""


class Rollback(Exception):
    """Raised inside a write transaction to undo it and hand back a refusal."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        super().__init__(str(outcome))
