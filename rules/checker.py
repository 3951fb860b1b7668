"""The publish-time check of a workflow definition against its form schema.

`parse_workflow` refuses what cannot be read; `check_workflow` also finds what can be
read but would go wrong at run time (DESIGN §4): states no document can reach or leave,
roles nobody can hold, conditions naming fields the form does not have.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Collection, Iterator
from typing import Any

from rules.conditions import PARAMS, Condition, parameter_names
from rules.definitions import Workflow, read_workflow
from rules.errors import Problem, pointer


def check_workflow(
    raw: Any, field_names: Collection[str], roles: Collection[str] | None = None
) -> list[Problem]:
    """Every problem of a definition, structural then semantic; empty when it can be published.

    `field_names` are the top-level data fields of the schema; `roles`, when given, are
    the organisation's roles, accepted beside those the workflow declares.
    """
    workflow, problems = read_workflow(raw)
    if workflow is None:
        return problems
    known_roles = set(workflow.roles) | set(roles or ())
    problems += _reachability(workflow)
    problems += _ways_out(workflow)
    problems += _shadowed(workflow)
    problems += _roles(workflow, known_roles)
    problems += _names(workflow, list(dict.fromkeys(field_names)))
    return problems


def _reachability(workflow: Workflow) -> Iterator[Problem]:
    if workflow.initial not in workflow.states:
        return
    reached = {workflow.initial}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for transition in workflow.transitions_from(state):
            if transition.target in workflow.states and transition.target not in reached:
                reached.add(transition.target)
                queue.append(transition.target)
    for key in workflow.states:
        if key not in reached:
            yield Problem(
                pointer("states", key),
                f"state '{key}' can't be reached from the initial state '{workflow.initial}'; "
                "add a transition to it or remove it",
            )


def _ways_out(workflow: Workflow) -> Iterator[Problem]:
    for key, state in workflow.states.items():
        if not state.final and not workflow.transitions_from(key):
            yield Problem(
                pointer("states", key),
                f"state '{key}' is not final and has no transition out of it; "
                'add one or mark it "final": true',
            )
    for transition in workflow.transitions:
        for position, source in enumerate(transition.sources):
            if source in workflow.states and workflow.states[source].final:
                where = ("from", position) if len(transition.sources) > 1 else ("from",)
                yield Problem(
                    pointer("transitions", transition.index, *where),
                    f"transition '{transition.action}' leaves the final state '{source}'; "
                    "a final state has no way out: remove it or unmark the state as final",
                )


def _shadowed(workflow: Workflow) -> Iterator[Problem]:
    """A transition after a default (no `when`) with the same action and source never fires."""
    defaults: dict[tuple[str, str, bool], int] = {}
    for transition in workflow.transitions:
        for source in transition.sources:
            gate = (transition.action, source, transition.automatic)
            if gate in defaults:
                yield Problem(
                    pointer("transitions", transition.index),
                    f"transition '{transition.action}' from '{source}' never fires: transition "
                    f"{defaults[gate]} before it has no condition; move the default last",
                )
            elif transition.when is None:
                defaults[gate] = transition.index


def _roles(workflow: Workflow, known: set[str]) -> Iterator[Problem]:
    def unknown(role: str, path: str) -> Iterator[Problem]:
        if role not in known:
            yield Problem(
                path,
                f"unknown role '{role}'; roles are: {', '.join(sorted(known)) or 'none'} "
                "(declare it in the workflow's 'roles')",
            )

    for key, state in workflow.states.items():
        for index, assignee in enumerate(state.assignees):
            if assignee.role is not None:
                yield from unknown(assignee.role, pointer("states", key, "assignees", index, "role"))
    for transition in workflow.transitions:
        for index, role in enumerate(transition.roles or ()):
            yield from unknown(role, pointer("transitions", transition.index, "roles", index))


def _names(workflow: Workflow, fields: list[str]) -> Iterator[Problem]:
    for key, state in workflow.states.items():
        for index, assignee in enumerate(state.assignees):
            for scope_key, source in assignee.scope.items():
                path = pointer("states", key, "assignees", index, "scope", scope_key)
                yield from _condition_names(workflow, source, path, fields)
        if isinstance(state.editable, tuple):
            for index, name in enumerate(state.editable):
                if name not in fields:
                    yield Problem(
                        pointer("states", key, "editable", index), _unknown("field", name, "", fields)
                    )
    for transition in workflow.transitions:
        if transition.when is not None:
            path = pointer("transitions", transition.index, "when")
            yield from _condition_names(workflow, transition.when, path, fields)


def _condition_names(workflow: Workflow, source: str, path: str, fields: list[str]) -> Iterator[Problem]:
    condition: Condition | None = workflow.conditions.get(source)
    if condition is None:  # did not compile: read_workflow reported it
        return
    for name in sorted(condition.names - set(fields) - {PARAMS}):
        yield Problem(path, _unknown("field", name, source, fields))
    if PARAMS in condition.names:
        for name in sorted(parameter_names(source) - set(workflow.parameters)):
            yield Problem(path, _unknown("parameter", name, source, list(workflow.parameters)))


def _unknown(kind: str, name: str, source: str, known: list[str]) -> str:
    where = f" in condition '{source}'" if source else ""
    hint = "".join(f" (did you mean '{close}'?)" for close in difflib.get_close_matches(name, known, n=1))
    return f"unknown {kind} '{name}'{where}{hint}; {kind}s are: {', '.join(known) or 'none'}"
