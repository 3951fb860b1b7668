"""Errors of the workflow rules, and the refusals a decision can give.

A broken definition is an exception (`WorkflowError`, with every `Problem`
found) because nobody can use it; a refused action is a value (`Refused`)
because refusing is an ordinary outcome the caller shows to the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


def pointer(*parts: str | int) -> str:
    """Build a JSON pointer (RFC 6901) into the workflow JSON, for `Problem.path`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a workflow definition, where `path` points into its JSON."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Plain form for API payloads and logs."""
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class WorkflowError(Exception):
    """Raised when a workflow definition cannot be used."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the workflow definition:"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class ConditionError(WorkflowError):
    """Raised when a CEL condition does not compile, or cannot be evaluated on a document."""

    def __init__(self, message: str, *, source: str, path: str = "") -> None:
        self.source = source
        super().__init__([Problem(path, message)])


class Reason(StrEnum):
    """Why a change was refused: the one vocabulary of refusals, from the rules' decisions and
    the stores' own checks alike, exposed as is by the API (`RefusalReason`)."""

    NOT_PERMITTED = "NOT_PERMITTED"
    UNKNOWN_ACTION = "UNKNOWN_ACTION"
    NOT_AVAILABLE_IN_STATE = "NOT_AVAILABLE_IN_STATE"
    CONDITION_FAILED = "CONDITION_FAILED"
    COMMENT_REQUIRED = "COMMENT_REQUIRED"
    SELF_APPROVAL = "SELF_APPROVAL"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"  # the organisation used its flux for the month
    COMMENT_TOO_LONG = "COMMENT_TOO_LONG"


@dataclass(frozen=True)
class Refused:
    """An action the rules refuse; `message` says why and what would fix it."""

    reason: Reason
    message: str
