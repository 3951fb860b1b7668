"""The decision function: may this actor take this action now, and where does it lead?

Pure: (definition, state, data, actor, action) -> `Accepted` or `Refused`. The store
locks the document, calls `decide`, then writes the new state, one history entry per
`Step`, the tasks of the new state and the queued automated `jobs` in one transaction.

Checks run in a fixed order so the reason is predictable: UNKNOWN_ACTION,
NOT_AVAILABLE_IN_STATE, NOT_PERMITTED, SELF_APPROVAL, COMMENT_REQUIRED, CONDITION_FAILED.
After an accepted step the automatic transitions run (`settle`) until the document rests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules.actors import Actor
from rules.definitions import Transition, Workflow
from rules.errors import ConditionError, Problem, Reason, Refused, WorkflowError, pointer
from rules.permissions import Assignment, holds, required_for

__all__ = [
    "MAX_AUTOMATIC_STEPS",
    "Accepted",
    "ActionOption",
    "Reason",
    "Refused",
    "Step",
    "available_actions",
    "decide",
    "decide_for_platform",
    "settle",
]

MAX_AUTOMATIC_STEPS = 20


@dataclass(frozen=True)
class Step:
    """One transition taken, for the history; automatic steps have no actor."""

    action: str
    label: str
    from_state: str | None
    to_state: str
    automatic: bool = False
    comment: str | None = None
    actor_id: int | None = None


@dataclass(frozen=True)
class Accepted:
    """The action is taken: the steps (manual then automatic), the resting state, and the
    automated jobs to queue (the `on_enter` keys of the states entered)."""

    steps: tuple[Step, ...]
    state: str
    jobs: tuple[str, ...]


@dataclass(frozen=True)
class ActionOption:
    """An action to offer as a button: the actor may take it now."""

    key: str
    label: str
    requires_comment: bool


@dataclass(frozen=True)
class _Choice:
    """Everything `decide` needs except the comment: a refusal, or the winning transition."""

    refusal: Refused | None = None
    transition: Transition | None = None
    comment_required: bool = False


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _gateway(workflow: Workflow, transitions: list[Transition], data: Mapping[str, Any]) -> Transition | str:
    """The first transition whose guard holds (a missing guard always holds), else why none did."""
    failed = []
    for transition in transitions:
        if transition.when is None:
            return transition
        try:
            if workflow.condition(transition.when).holds(data, workflow.parameters):
                return transition
        except ConditionError as error:
            return f"{error}; correct the document and try again"
        failed.append(f"'{transition.when}'")
    return f"the condition {_or_list(failed)} does not hold for this document"


def _choose(
    workflow: Workflow, *, state: str, data: Mapping[str, Any], actor: Actor, creator_id: int, action: str
) -> _Choice:
    if state not in workflow.states:
        raise WorkflowError([Problem("/states", f"the document's state '{state}' is not in this workflow")])
    label = workflow.states[state].label
    prefix = f"Can't {action} when in {label}"
    if action not in workflow.actions:
        known = ", ".join(dict.fromkeys(t.action for t in workflow.transitions if not t.automatic))
        return _Choice(
            Refused(
                Reason.UNKNOWN_ACTION,
                f"{prefix}: this workflow has no action '{action}'; its actions are: {known}.",
            )
        )
    leaving = workflow.transitions_from(state)
    candidates = [t for t in leaving if t.action == action and not t.automatic]
    if not candidates:
        offered = list(dict.fromkeys(t.action for t in leaving if not t.automatic))
        hint = f"from {label} you can {_or_list(offered)}" if offered else f"nothing can be done from {label}"
        if any(t.action == action and t.automatic for t in workflow.transitions):
            hint = f"'{action}' happens automatically when its condition holds; {hint}"
        return _Choice(Refused(Reason.NOT_AVAILABLE_IN_STATE, f"{prefix}: {hint}."))

    def needed(transitions: list[Transition]) -> list[Assignment]:
        found: dict[str, Assignment] = {}
        for transition in transitions:
            for assignment in required_for(workflow, transition, state, data):
                found.setdefault(assignment.describe(), assignment)
        return list(found.values())

    def permitted(transition: Transition) -> bool:
        return any(holds(a, actor=actor, creator_id=creator_id) for a in needed([transition]))

    def not_permitted(transitions: list[Transition]) -> Refused:
        required = needed(transitions)
        if required and all(assignment.creator for assignment in required):
            return Refused(
                Reason.NOT_PERMITTED, f"{prefix}: only the creator of the document may {action} it."
            )
        who = [assignment.describe() for assignment in required] or ["nobody"]
        return Refused(
            Reason.NOT_PERMITTED,
            f"{prefix}: this needs {_or_list(who)}; ask an administrator "
            "for that role, or someone who holds it to act.",
        )

    allowed = [t for t in candidates if permitted(t)]
    if not allowed:
        return _Choice(not_permitted(candidates))
    winner = _gateway(workflow, candidates, data)
    if isinstance(winner, Transition) and winner not in allowed:
        return _Choice(not_permitted([winner]))
    deciding = [winner] if isinstance(winner, Transition) else allowed
    if all(_self_approval(workflow, t, state, data, actor, creator_id) for t in deciding):
        return _Choice(
            Refused(
                Reason.SELF_APPROVAL,
                f"{prefix}: you created this document, so someone else "
                f"must {action} it (segregation of duties).",
            )
        )
    if isinstance(winner, str):
        refusal = Refused(Reason.CONDITION_FAILED, f"{prefix}: {winner}.")
        return _Choice(refusal, comment_required=any(t.comment_required for t in allowed))
    return _Choice(transition=winner, comment_required=winner.comment_required)


def _self_approval(
    workflow: Workflow,
    transition: Transition,
    state: str,
    data: Mapping[str, Any],
    actor: Actor,
    creator_id: int,
) -> bool:
    """Whether the creator would act on their own document through a role (not as its creator)."""
    if workflow.allow_self_approval or transition.by_creator or actor.user_id != creator_id:
        return False
    return not any(assignment.creator for assignment in required_for(workflow, transition, state, data))


def decide(
    workflow: Workflow,
    *,
    state: str,
    data: Mapping[str, Any],
    actor: Actor,
    creator_id: int,
    action: str,
    comment: str | None,
) -> Accepted | Refused:
    """Decide a person's action on a document; automatic steps follow an accepted one."""
    choice = _choose(workflow, state=state, data=data, actor=actor, creator_id=creator_id, action=action)
    text = (comment or "").strip() or None
    if choice.refusal is not None and choice.refusal.reason != Reason.CONDITION_FAILED:
        return choice.refusal
    if choice.comment_required and not text:
        label = workflow.states[state].label
        return Refused(
            Reason.COMMENT_REQUIRED,
            f"Can't {action} when in {label}: a comment is required; say why in the comment.",
        )
    if choice.transition is None:
        assert choice.refusal is not None, "a choice has a refusal or a transition"
        return choice.refusal
    transition = choice.transition
    first = Step(transition.action, transition.label, state, transition.target, False, text, actor.user_id)
    try:
        steps = (first, *settle(workflow, transition.target, data))
    except ConditionError as error:
        label = workflow.states[state].label
        return Refused(
            Reason.CONDITION_FAILED,
            f"Can't {action} when in {label}: the automatic step after it "
            f"failed: {error}; correct the document and try again.",
        )
    jobs = tuple(key for step in steps for key in workflow.states[step.to_state].on_enter)
    return Accepted(steps=steps, state=steps[-1].to_state, jobs=jobs)


def decide_for_platform(
    workflow: Workflow, *, state: str, data: Mapping[str, Any], action: str, comment: str | None = None
) -> Accepted | Refused:
    """Decide an action the platform itself takes once an automated action succeeded (the
    purchase order is generated, so the request is `order`ed): no person, so no role or
    segregation check; the state, the gateway and the automatic chain apply as for anyone."""
    if state not in workflow.states:
        raise WorkflowError([Problem("/states", f"the document's state '{state}' is not in this workflow")])
    label = workflow.states[state].label
    candidates = [t for t in workflow.transitions_from(state) if t.action == action and not t.automatic]
    if not candidates:
        return Refused(Reason.NOT_AVAILABLE_IN_STATE, f"Can't {action} when in {label}: no such transition.")
    winner = _gateway(workflow, candidates, data)
    if isinstance(winner, str):
        return Refused(Reason.CONDITION_FAILED, f"Can't {action} when in {label}: {winner}.")
    first = Step(winner.action, winner.label, state, winner.target, True, (comment or "").strip() or None)
    try:
        steps = (first, *settle(workflow, winner.target, data))
    except ConditionError as error:
        return Refused(Reason.CONDITION_FAILED, f"Can't {action} when in {label}: {error}.")
    jobs = tuple(key for step in steps for key in workflow.states[step.to_state].on_enter)
    return Accepted(steps=steps, state=steps[-1].to_state, jobs=jobs)


def settle(workflow: Workflow, state: str, data: Mapping[str, Any]) -> tuple[Step, ...]:
    """Run the automatic transitions from `state` until the document rests (also after creation).

    Raises `ConditionError` when a guard cannot be evaluated, and `WorkflowError` when the
    chain exceeds MAX_AUTOMATIC_STEPS, which only a cycle of automatic transitions can do.
    """
    steps: list[Step] = []
    visited = [state]
    while True:
        automatic = [t for t in workflow.transitions_from(state) if t.automatic]
        fired = next(
            (
                t
                for t in automatic
                if t.when is None or workflow.condition(t.when).holds(data, workflow.parameters)
            ),
            None,
        )
        if fired is None:
            return tuple(steps)
        if len(steps) == MAX_AUTOMATIC_STEPS:
            earlier = [index for index, seen in enumerate(visited[:-1]) if seen == state]
            cycle = " -> ".join(visited[earlier[-1] :] if earlier else visited)
            message = (
                f"automatic transitions loop without resting after {MAX_AUTOMATIC_STEPS} steps: {cycle}; "
                "make one of their conditions false, or give the loop a way out"
            )
            raise WorkflowError([Problem(pointer("transitions", fired.index), message)])
        steps.append(Step(fired.action, fired.label, state, fired.target, automatic=True))
        state = fired.target
        visited.append(state)


def available_actions(
    workflow: Workflow, *, state: str, data: Mapping[str, Any], actor: Actor, creator_id: int
) -> list[ActionOption]:
    """The actions to offer `actor` now: permitted, not self-approval, and some guard holds."""
    options = []
    keys = dict.fromkeys(t.action for t in workflow.transitions_from(state) if not t.automatic)
    for key in keys:
        choice = _choose(workflow, state=state, data=data, actor=actor, creator_id=creator_id, action=key)
        if choice.transition is not None:
            options.append(ActionOption(key, choice.transition.label, choice.transition.comment_required))
    return options
