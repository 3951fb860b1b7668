"""Workflow definitions: the JSON an organisation publishes, read into frozen values.

A definition is data, never code. Its JSON format (the contract with the designer,
the templates in `ui-schemas/*/workflow.json` and the stores)::

    {
      "initial": "draft",                     # key of the state a new document starts in
      "allow_self_approval": false,           # optional; see "segregation of duties" below
      "parameters": {"service_limit": 5000.0},# optional; conditions read them as params.X
      "roles": ["requester", "service_manager"],  # the roles this workflow names
      "states": {
        "draft": {
          "label": "Draft",                   # optional, defaults to the key humanised
          "assignees": [{"creator": true}],   # who acts in this state (see below)
          "editable": "*",                    # "*" or a list of field names; absent = read-only
          "on_enter": ["generate_purchase_order"],  # action keys queued on entry
          "sla_hours": 48,                    # optional positive integer
          "final": false                      # a final state has no way out
        }
      },
      "transitions": [
        {"action": "approve", "label": "Approve",
         "from": "service_review",            # a state key or a list of keys
         "to": "approved",
         "when": "total_ht < params.service_limit",  # optional CEL guard over the data
         "by": "creator",                     # optional: only the document's creator
         "roles": ["accounting"],             # optional: holders of these roles
         "automatic": false,                  # fired by the rules, never by a person
         "comment_required": false}
      ]
    }

An assignee is `{"creator": true}` or `{"role": R, "scope": {key: CEL}}`; each scope
value is CEL over the data (`{"department": "department"}` gives `{"department": "IT"}`).

Transitions with the same action from the same state form an exclusive gateway: the
first, in declared order, whose `when` holds wins; one without `when` is the default.
Who may fire a transition: `by: creator` -> the creator only; else `roles` -> a grant of
one of them (matching the from-state's scope for that role, if it has one); else the
from-state's assignees. Unless `allow_self_approval` is true, the creator may fire only
the transitions marked `by: creator` or that the state assigns to the creator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from rules.conditions import Condition, compile_condition
from rules.errors import ConditionError, Problem, WorkflowError, pointer

Editable = tuple[str, ...] | Literal["*"] | None

_TOP_KEYS = ("initial", "allow_self_approval", "parameters", "roles", "states", "transitions")
_STATE_KEYS = ("label", "assignees", "editable", "final", "on_enter", "sla_hours")
_TRANSITION_KEYS = ("action", "label", "from", "to", "by", "roles", "when", "automatic", "comment_required")
_ASSIGNEE_KEYS = ("creator", "role", "scope")
_ACTION_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Assignee:
    """Who acts in a state: the creator, or holders of `role` within `scope` (CEL sources)."""

    role: str | None = None
    scope: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    creator: bool = False


@dataclass(frozen=True)
class State:
    """A step of the circuit: who acts in it, what they may edit, what runs on entry."""

    key: str
    label: str
    assignees: tuple[Assignee, ...] = ()
    editable: Editable = None
    final: bool = False
    on_enter: tuple[str, ...] = ()
    sla_hours: int | None = None


@dataclass(frozen=True)
class Transition:
    """One way out of `sources`; `index` is its position in the JSON, for problem paths."""

    index: int
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    by_creator: bool = False
    roles: tuple[str, ...] | None = None
    when: str | None = None
    automatic: bool = False
    comment_required: bool = False


@dataclass(frozen=True)
class Workflow:
    """A parsed definition; `conditions` holds every guard and scope compiled, by source."""

    initial: str
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    roles: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    allow_self_approval: bool = False
    conditions: Mapping[str, Condition] = field(default_factory=lambda: _EMPTY, compare=False, repr=False)

    def condition(self, source: str) -> Condition:
        """The compiled form of a guard or scope (compiled now if this workflow was built by hand)."""
        found = self.conditions.get(source)
        return found if found is not None else compile_condition(source)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        """The transitions leaving `state`, in declared order."""
        return tuple(transition for transition in self.transitions if state in transition.sources)

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action key, once each, in declared order."""
        return tuple(dict.fromkeys(transition.action for transition in self.transitions))


def parse_workflow(raw: Any) -> Workflow:
    """Read a definition before using it; raises `WorkflowError` listing every structural problem."""
    workflow, problems = read_workflow(raw)
    if problems or workflow is None:
        raise WorkflowError(problems)
    return workflow


def read_workflow(raw: Any) -> tuple[Workflow | None, list[Problem]]:
    """Read as much of a definition as possible, with every structural problem.

    For the checker, which goes on to find semantic problems in what could be read;
    the workflow is None when even its outline (initial, states, transitions) is unusable.
    """
    reader = _Reader()
    return reader.workflow(raw), reader.problems


def humanise(key: str) -> str:
    """Default label for a key: `return_for_changes` -> `Return for changes`."""
    return key.replace("_", " ").strip().capitalize() or key


def kind_of(value: Any) -> str:
    """How a JSON value is named in messages: "a string", "an array"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


class _Reader:
    """Collects every problem while reading, instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.conditions: dict[str, Condition] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def unknown_keys(self, obj: Mapping[str, Any], allowed: tuple[str, ...], *path: str | int) -> None:
        for key in obj:
            if key not in allowed:
                self.problem(pointer(*path, key), f"unknown key '{key}'; keys are: {', '.join(allowed)}")

    def text(self, obj: Mapping[str, Any], key: str, *path: str | int, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(pointer(*path, key), f"'{key}' is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(pointer(*path, key), f"'{key}' must be a non-empty string, not {kind_of(value)}")
            return None
        return value

    def flag(self, obj: Mapping[str, Any], key: str, *path: str | int) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.problem(pointer(*path, key), f"'{key}' must be true or false, not {kind_of(value)}")
            return False
        return value

    def texts(self, obj: Mapping[str, Any], key: str, *path: str | int) -> tuple[str, ...] | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.problem(pointer(*path, key), f"'{key}' must be an array of strings, not {kind_of(value)}")
            return None
        good = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                good.append(item)
            else:
                self.problem(pointer(*path, key, index), f"must be a non-empty string, not {kind_of(item)}")
        return tuple(good)

    def compile(self, source: str, path: str) -> None:
        if source in self.conditions:
            return
        try:
            self.conditions[source] = compile_condition(source)
        except ConditionError as error:
            self.problems.extend(Problem(path, problem.message) for problem in error.problems)

    def workflow(self, raw: Any) -> Workflow | None:
        if not isinstance(raw, Mapping):
            self.problem("", f"a workflow must be a JSON object, not {kind_of(raw)}")
            return None
        self.unknown_keys(raw, _TOP_KEYS)
        initial = self.text(raw, "initial", required=True)
        allow_self_approval = self.flag(raw, "allow_self_approval")
        parameters = raw.get("parameters", {})
        if not isinstance(parameters, Mapping):
            self.problem("/parameters", f"'parameters' must be an object, not {kind_of(parameters)}")
            parameters = {}
        roles = self.texts(raw, "roles") or ()
        states = self.states(raw.get("states"))
        transitions = self.transitions(raw.get("transitions"), states)
        if initial is not None and states is not None and initial not in states:
            known = ", ".join(states)
            self.problem("/initial", f"initial state '{initial}' is not a state; states are: {known}")
        if initial is None or states is None or transitions is None:
            return None
        return Workflow(
            initial=initial,
            states=MappingProxyType(states),
            transitions=transitions,
            roles=roles,
            parameters=MappingProxyType(dict(parameters)),
            allow_self_approval=allow_self_approval,
            conditions=MappingProxyType(self.conditions),
        )

    def states(self, raw: Any) -> dict[str, State] | None:
        if raw is None:
            self.problem("/states", "'states' is required: an object of state key -> state")
            return None
        if not isinstance(raw, Mapping) or not raw:
            self.problem("/states", f"'states' must be a non-empty object, not {kind_of(raw)}")
            return None
        states = {}
        for key, value in raw.items():
            if not isinstance(value, Mapping):
                self.problem(pointer("states", key), f"state '{key}' must be an object, not {kind_of(value)}")
                continue
            states[key] = self.state(key, value)
        return states

    def state(self, key: str, raw: Mapping[str, Any]) -> State:
        path = ("states", key)
        self.unknown_keys(raw, _STATE_KEYS, *path)
        assignees = raw.get("assignees", [])
        if not isinstance(assignees, list):
            self.problem(pointer(*path, "assignees"), f"'assignees' must be an array, not {kind_of(assignees)}")
            assignees = []
        sla_hours = raw.get("sla_hours")
        if sla_hours is not None and (type(sla_hours) is not int or sla_hours < 1):
            message = f"'sla_hours' must be a positive integer, not {sla_hours!r}"
            self.problem(pointer(*path, "sla_hours"), message)
            sla_hours = None
        return State(
            key=key,
            label=self.text(raw, "label", *path) or humanise(key),
            assignees=tuple(
                assignee
                for index, item in enumerate(assignees)
                if (assignee := self.assignee(item, *path, "assignees", index)) is not None
            ),
            editable=self.editable(raw.get("editable"), *path, "editable"),
            final=self.flag(raw, "final", *path),
            on_enter=self.texts(raw, "on_enter", *path) or (),
            sla_hours=sla_hours,
        )

    def editable(self, raw: Any, *path: str | int) -> Editable:
        if raw is None:
            return None
        if raw == "*":
            return "*"
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            return tuple(raw)
        self.problem(pointer(*path), f"'editable' must be \"*\" or an array of field names, not {raw!r}")
        return None

    def assignee(self, raw: Any, *path: str | int) -> Assignee | None:
        if not isinstance(raw, Mapping):
            self.problem(pointer(*path), f"an assignee must be an object, not {kind_of(raw)}")
            return None
        self.unknown_keys(raw, _ASSIGNEE_KEYS, *path)
        if "creator" in raw:
            if raw["creator"] is not True or len(raw) > 1:
                self.problem(pointer(*path), 'a creator assignee is exactly {"creator": true}')
                return None
            return Assignee(creator=True)
        role = self.text(raw, "role", *path)
        if role is None:
            if "role" not in raw:
                self.problem(pointer(*path), 'an assignee needs a "role" (or is {"creator": true})')
            return None
        scope = raw.get("scope", {})
        if not isinstance(scope, Mapping):
            message = f"'scope' must be an object of key -> CEL, not {kind_of(scope)}"
            self.problem(pointer(*path, "scope"), message)
            scope = {}
        for key, source in scope.items():
            if isinstance(source, str):
                self.compile(source, pointer(*path, "scope", key))
            else:
                message = f"a scope value must be a CEL string, not {kind_of(source)}"
                self.problem(pointer(*path, "scope", key), message)
        good = {key: source for key, source in scope.items() if isinstance(source, str)}
        return Assignee(role=role, scope=MappingProxyType(good))

    def transitions(self, raw: Any, states: Mapping[str, State] | None) -> tuple[Transition, ...] | None:
        if raw is None:
            self.problem("/transitions", "'transitions' is required: an array of transitions")
            return None
        if not isinstance(raw, list):
            self.problem("/transitions", f"'transitions' must be an array, not {kind_of(raw)}")
            return None
        read = (self.transition(index, item, states) for index, item in enumerate(raw))
        return tuple(transition for transition in read if transition is not None)

    def transition(self, index: int, raw: Any, states: Mapping[str, State] | None) -> Transition | None:
        path = ("transitions", index)
        if not isinstance(raw, Mapping):
            self.problem(pointer(*path), f"a transition must be an object, not {kind_of(raw)}")
            return None
        self.unknown_keys(raw, _TRANSITION_KEYS, *path)
        action = self.text(raw, "action", *path, required=True)
        if action is not None and not _ACTION_KEY.match(action):
            self.problem(pointer(*path, "action"), f"action '{action}' must be letters, digits and '_'")
        sources = self.sources(raw.get("from"), states, *path)
        target = self.text(raw, "to", *path, required=True)
        if target is not None and states is not None and target not in states:
            self.problem(pointer(*path, "to"), f"unknown state '{target}'; states are: {', '.join(states)}")
        by = raw.get("by")
        if by is not None and by != "creator":
            self.problem(pointer(*path, "by"), f"'by' can only be \"creator\", not {by!r}")
        roles = self.texts(raw, "roles", *path)
        if roles == ():
            self.problem(pointer(*path, "roles"), "'roles' must name at least one role")
        if by is not None and roles is not None:
            self.problem(pointer(*path, "by"), "use either 'by' or 'roles', not both")
        when = self.text(raw, "when", *path)
        if when is not None:
            self.compile(when, pointer(*path, "when"))
        automatic = self.flag(raw, "automatic", *path)
        comment_required = self.flag(raw, "comment_required", *path)
        for key in ("by", "roles", "comment_required"):
            if automatic and raw.get(key) not in (None, False):
                message = f"an automatic transition is fired by nobody: remove '{key}'"
                self.problem(pointer(*path, key), message)
        if action is None or sources is None or target is None:
            return None
        return Transition(
            index=index,
            action=action,
            label=self.text(raw, "label", *path) or humanise(action),
            sources=sources,
            target=target,
            by_creator=by == "creator",
            roles=roles or None,
            when=when,
            automatic=automatic,
            comment_required=comment_required,
        )

    def sources(
        self, raw: Any, states: Mapping[str, State] | None, *path: str | int
    ) -> tuple[str, ...] | None:
        if raw is None:
            self.problem(pointer(*path, "from"), "'from' is required: a state key or an array of them")
            return None
        if isinstance(raw, str):
            items: list[tuple[tuple[str | int, ...], Any]] = [((*path, "from"), raw)]
        elif isinstance(raw, list) and raw:
            items = [((*path, "from", index), item) for index, item in enumerate(raw)]
        else:
            message = f"'from' must be a state key or a non-empty array, not {raw!r}"
            self.problem(pointer(*path, "from"), message)
            return None
        sources = []
        for item_path, item in items:
            if not isinstance(item, str):
                self.problem(pointer(*item_path), f"a state key must be a string, not {kind_of(item)}")
            elif states is not None and item not in states:
                self.problem(pointer(*item_path), f"unknown state '{item}'; states are: {', '.join(states)}")
                sources.append(item)
            else:
                sources.append(item)
        return tuple(sources) or None
