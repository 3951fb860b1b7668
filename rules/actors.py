"""Who is acting: a user and the role grants they hold, as the rules see them.

The stores build an `Actor` from memberships, role assignments and active
delegations; the rules never look anything up themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    """A role held by a user, optionally limited to a scope such as `{"department": "IT"}`."""

    role: str
    scope: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Actor:
    """A person acting on a document; `is_admin` lets them see everything, never act."""

    user_id: int
    grants: tuple[Grant, ...] = ()
    is_admin: bool = False

    @property
    def roles(self) -> frozenset[str]:
        """The roles this actor holds in any scope."""
        return frozenset(grant.role for grant in self.grants)


def grant_matches(grant: Grant, role: str | None, scope: Mapping[str, str | None] | None) -> bool:
    """Whether `grant` covers an assignment of `role` with its evaluated `scope`.

    Roles must be equal, and the grant unscoped (None or empty) or its scope equal to the
    assignment's: a scoped grant does not cover an unscoped assignment. The stores'
    SQL visibility filter mirrors this rule, so keep them in step.
    """
    if role is None or grant.role != role:
        return False
    if not grant.scope:
        return True
    return scope is not None and dict(grant.scope) == dict(scope)
