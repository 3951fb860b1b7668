"""Workflow rules: definitions, CEL conditions, decisions and permissions, all pure.

Imports only the standard library and `cel`, so the rules can be tested, reasoned
about and reused without a database, a web framework or a broker.
"""

from rules.actors import Actor, Grant, grant_matches
from rules.cache import compiled
from rules.checker import check_workflow
from rules.conditions import Condition, compile_condition
from rules.decisions import Accepted, ActionOption, Step, available_actions, decide, settle
from rules.definitions import Assignee, State, Transition, Workflow, parse_workflow, read_workflow
from rules.errors import ConditionError, Problem, Reason, Refused, WorkflowError
from rules.permissions import (
    Assignment,
    assignees_of,
    audience_of,
    can_act,
    can_create,
    can_edit,
    can_see,
)

__all__ = [
    "Accepted",
    "ActionOption",
    "Actor",
    "Assignee",
    "Assignment",
    "Condition",
    "ConditionError",
    "Grant",
    "Problem",
    "Reason",
    "Refused",
    "State",
    "Step",
    "Transition",
    "Workflow",
    "WorkflowError",
    "assignees_of",
    "audience_of",
    "available_actions",
    "can_act",
    "can_create",
    "can_edit",
    "can_see",
    "check_workflow",
    "compile_condition",
    "compiled",
    "decide",
    "grant_matches",
    "parse_workflow",
    "read_workflow",
    "settle",
]
