"""Permission policy: who may see, create, edit and act on a document.

Everything is derived from the definition's assignees, evaluated against the
document data: `{"role": "service_manager", "scope": {"department": "department"}}`
on an IT request becomes `Assignment("service_manager", {"department": "IT"})`, and
an actor holds it when one of their grants matches (`actors.grant_matches`).
Admins see every document but act only through their grants.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from rules.actors import Actor, grant_matches
from rules.definitions import Assignee, Transition, Workflow
from rules.errors import ConditionError, Reason, Refused


@dataclass(frozen=True)
class Assignment:
    """An assignee evaluated for one document: the creator, or a role within a concrete scope."""

    role: str | None
    scope: Mapping[str, str | None] | None = None
    creator: bool = False

    def describe(self) -> str:
        """Human wording for refusal messages: "role 'daf' for department 'IT'"."""
        if self.creator:
            return "the creator of the document"
        text = f"role '{self.role}'"
        if self.scope:
            text += " for " + " and ".join(f"{key} '{value}'" for key, value in self.scope.items())
        return text

    def _identity(self) -> tuple[Any, ...]:
        return (self.role, tuple(sorted((self.scope or {}).items())), self.creator)


def holds(assignment: Assignment, *, actor: Actor, creator_id: int) -> bool:
    """Whether `actor` is the person or holds the role `assignment` names."""
    if assignment.creator:
        return actor.user_id == creator_id
    return any(grant_matches(grant, assignment.role, assignment.scope) for grant in actor.grants)


def evaluate(workflow: Workflow, assignee: Assignee, data: Mapping[str, Any]) -> Assignment:
    """Evaluate an assignee's scope on the data; a scope that errors or gives null is None.

    A None scope value matches only unscoped grants, so a broken scope fails closed.
    """
    if assignee.creator:
        return Assignment(role=None, creator=True)
    if not assignee.scope:
        return Assignment(role=assignee.role)
    scope: dict[str, str | None] = {}
    for key, source in assignee.scope.items():
        try:
            value = workflow.condition(source).value(data, workflow.parameters)
        except ConditionError:
            value = None
        scope[key] = value if value is None or isinstance(value, str) else str(value)
    return Assignment(role=assignee.role, scope=scope)


def assignees_of(workflow: Workflow, state: str, data: Mapping[str, Any]) -> list[Assignment]:
    """Who acts on the document while it is in `state` (open tasks go to them)."""
    return [evaluate(workflow, assignee, data) for assignee in workflow.states[state].assignees]


def required_for(
    workflow: Workflow, transition: Transition, state: str, data: Mapping[str, Any]
) -> list[Assignment]:
    """The assignments that may fire `transition` from `state`; holding any one is enough.

    `by: creator` -> the creator; `roles` -> those roles, within the scope the state
    gives the same role if it does; otherwise the state's assignees.
    """
    if transition.by_creator:
        return [Assignment(role=None, creator=True)]
    if transition.roles is None:
        return assignees_of(workflow, state, data)
    assigned = assignees_of(workflow, state, data) if state in workflow.states else []
    required: list[Assignment] = []
    for role in transition.roles:
        scoped = [assignment for assignment in assigned if assignment.role == role and assignment.scope]
        required += scoped or [Assignment(role=role)]
    return required


def audience_of(workflow: Workflow, data: Mapping[str, Any]) -> list[Assignment]:
    """Everyone who may see the document besides its creator and admins, once each.

    The assignees of every state, plus the roles named by transitions (scoped like
    `required_for`), so whoever may ever act can also read.
    """
    found: dict[tuple[Any, ...], Assignment] = {}
    for state in workflow.states:
        for assignment in assignees_of(workflow, state, data):
            found.setdefault(assignment._identity(), assignment)
    for transition in workflow.transitions:
        if transition.roles is None:
            continue
        for source in transition.sources:
            for assignment in required_for(workflow, transition, source, data):
                found.setdefault(assignment._identity(), assignment)
    return list(found.values())


def can_see(workflow: Workflow, *, data: Mapping[str, Any], actor: Actor, creator_id: int) -> bool:
    """Whether `actor` may read the document: creator, admin, or anyone in its audience."""
    if actor.is_admin or actor.user_id == creator_id:
        return True
    return any(
        holds(assignment, actor=actor, creator_id=creator_id) for assignment in audience_of(workflow, data)
    )


def can_act(
    workflow: Workflow, *, state: str, data: Mapping[str, Any], actor: Actor, creator_id: int
) -> bool:
    """Whether `actor` is one of the state's assignees (its task is theirs)."""
    assigned = assignees_of(workflow, state, data)
    return any(holds(assignment, actor=actor, creator_id=creator_id) for assignment in assigned)


def can_edit(
    workflow: Workflow,
    *,
    state: str,
    data: Mapping[str, Any],
    actor: Actor,
    creator_id: int,
    changed_fields: Collection[str],
) -> Refused | None:
    """Refuse an edit unless the state is editable, the actor is assigned and every field may change."""
    current = workflow.states[state]
    prefix = f"Can't edit when in {current.label}"
    if current.editable is None:
        return Refused(Reason.NOT_AVAILABLE_IN_STATE, f"{prefix}: documents in this state are read-only.")
    assigned = assignees_of(workflow, state, data)
    if not any(holds(assignment, actor=actor, creator_id=creator_id) for assignment in assigned):
        needed = " or ".join(assignment.describe() for assignment in assigned) or "nobody"
        return Refused(Reason.NOT_PERMITTED, f"{prefix}: only {needed} may edit it now.")
    if current.editable != "*":
        locked = sorted(set(changed_fields) - set(current.editable))
        if locked:
            allowed = ", ".join(current.editable) or "none"
            return Refused(
                Reason.NOT_PERMITTED,
                f"{prefix}: {', '.join(locked)} can't be changed in this state; "
                f"editable fields are: {allowed}.",
            )
    return None


def can_create(create_roles: Collection[str] | None, actor: Actor) -> bool:
    """Whether `actor` may create documents of a type; None means anyone in the organisation."""
    if create_roles is None or actor.is_admin:
        return True
    return bool(actor.roles & set(create_roles))
