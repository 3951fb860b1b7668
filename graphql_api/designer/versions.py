"""What changed between two versions of a document type, and what blocks a migration.

The designer shows the diff before publishing and the migration form shows the blockers, so
both work on plain data (the JSON of two definitions) and stay pure: standard library only.

A version is a mapping with `json_schema`, `ui_schema` and `workflow` (the JSON as
published), or a `PublishedVersion` (whose workflow JSON is `workflow_raw`).

The diff, every list sorted so the same two versions always give the same diff::

    {
      "fields": {"added": [field], "removed": [field],
                 "changed": [{"field": "lines.vat_rate", "changes": {"enum": [old, new]}}]},
      "states": {"added": [state], "removed": [state],
                 "changed": [{"state": "daf_review", "changes": {"label": [old, new]}}]},
      "transitions": {"added": [transition], "removed": [transition],
                      "changed": [{**identity, "changes": {"when": [old, new]}}]},
      "parameters": {"changed": {"daf_limit": [20000.0, 25000.0]}},
      "settings": {"changed": {"initial": [old, new]}},
      "ui_schema": {"changed": true},
    }

A field is `{"field": path, "type", "title", "required", "enum", "catalog", "formula"}`,
where the path of a line-item field is `lines.amount`. A transition is identified by
`(action, sources, target)`; its `changes` may name `label`, `when` (the guard), `by`,
`roles`, `automatic`, `comment_required`, and `order` when its rank among the
transitions with the same action leaving the same state moved (the first guard that holds
wins, so order is behaviour). A parameter added or removed shows `None` on the missing side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["diff_versions", "migration_blockers"]

FIELD_ASPECTS = ("type", "title", "required", "enum", "catalog", "formula")
STATE_ASPECTS = ("label", "assignees", "editable", "final", "on_enter", "sla_hours")
TRANSITION_ASPECTS = ("label", "when", "by", "roles", "automatic", "comment_required")
SETTINGS = ("initial", "allow_self_approval", "roles")

TransitionId = tuple[str, tuple[str, ...], str]


def diff_versions(old: Any, new: Any) -> dict[str, Any]:
    """Fields, states, transitions and parameters added, removed or changed from `old` to `new`."""
    old_schema, old_ui, old_workflow = _parts(old, "old")
    new_schema, new_ui, new_workflow = _parts(new, "new")
    return {
        "fields": _compare(_fields(old_schema), _fields(new_schema), "field", FIELD_ASPECTS),
        "states": _compare(_states(old_workflow), _states(new_workflow), "state", STATE_ASPECTS),
        "transitions": _transitions(old_workflow, new_workflow),
        "parameters": {"changed": _changed_values(old_workflow.get("parameters"), new_workflow.get("parameters"))},
        "settings": {"changed": _settings(old_workflow, new_workflow)},
        "ui_schema": {"changed": old_ui != new_ui},
    }


def migration_blockers(new_workflow: Mapping[str, Any], states_in_use: Iterable[str]) -> list[str]:
    """The states of running documents that the new version lacks, sorted; empty = may migrate.

    A document whose current state does not exist in the new version cannot be moved to it:
    nobody would be assigned and no transition would leave it.
    """
    states = new_workflow.get("states")
    known = states if isinstance(states, Mapping) else {}
    return sorted({state for state in states_in_use if state not in known})


def _parts(version: Any, which: str) -> tuple[Mapping[str, Any], Any, Mapping[str, Any]]:
    if isinstance(version, Mapping):
        schema, ui, workflow = version.get("json_schema"), version.get("ui_schema"), version.get("workflow")
    elif hasattr(version, "workflow_raw"):
        schema, ui, workflow = version.json_schema, version.ui_schema, version.workflow_raw
    else:
        raise TypeError(
            f"the {which} version must be a mapping with json_schema, ui_schema and workflow, "
            f"or a PublishedVersion; got {type(version).__name__}"
        )
    return (schema if isinstance(schema, Mapping) else {}), ui, (workflow if isinstance(workflow, Mapping) else {})


def _compare(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], name: str, aspects: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    changed = []
    for key in sorted(old.keys() & new.keys()):
        changes = {a: [old[key][a], new[key][a]] for a in aspects if old[key][a] != new[key][a]}
        if changes:
            changed.append({name: key, "changes": changes})
    return {
        "added": [{name: key, **new[key]} for key in sorted(new.keys() - old.keys())],
        "removed": [{name: key, **old[key]} for key in sorted(old.keys() - new.keys())],
        "changed": changed,
    }


def _fields(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Top-level fields and the fields of array items (`lines.amount`), by path."""
    found: dict[str, dict[str, Any]] = {}
    for name, spec, required in _properties(schema):
        found[name] = _field(spec, required)
        items = spec.get("items")
        if isinstance(items, Mapping):
            for child, child_spec, child_required in _properties(items):
                found[f"{name}.{child}"] = _field(child_spec, child_required)
    return found


def _properties(schema: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any], bool]]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return []
    required = schema.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    return [
        (name, spec, name in required_names) for name, spec in properties.items() if isinstance(spec, Mapping)
    ]


def _field(spec: Mapping[str, Any], required: bool) -> dict[str, Any]:
    return {
        "type": spec.get("type"),
        "title": spec.get("title"),
        "required": required,
        "enum": spec.get("enum"),
        "catalog": spec.get("x-catalog"),
        "formula": spec.get("x-computed"),
    }


def _states(workflow: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    states = workflow.get("states")
    if not isinstance(states, Mapping):
        return {}
    return {
        key: {aspect: state.get(aspect, False if aspect == "final" else None) for aspect in STATE_ASPECTS}
        for key, state in states.items()
        if isinstance(state, Mapping)
    }


def _transitions(old_workflow: Mapping[str, Any], new_workflow: Mapping[str, Any]) -> dict[str, list[Any]]:
    old, new = _indexed_transitions(old_workflow), _indexed_transitions(new_workflow)
    both = old.keys() & new.keys()
    old_ranks, new_ranks = _ranks(old, both), _ranks(new, both)
    changed = []
    for key in sorted(both):
        changes = {a: [old[key][a], new[key][a]] for a in TRANSITION_ASPECTS if old[key][a] != new[key][a]}
        if old_ranks[key] != new_ranks[key]:
            changes["order"] = [old_ranks[key], new_ranks[key]]
        if changes:
            changed.append({**_identity(key), "changes": changes})
    return {
        "added": [{**_identity(key), **new[key]} for key in sorted(new.keys() - old.keys())],
        "removed": [{**_identity(key), **old[key]} for key in sorted(old.keys() - new.keys())],
        "changed": changed,
    }


def _indexed_transitions(workflow: Mapping[str, Any]) -> dict[tuple[TransitionId, int], dict[str, Any]]:
    """Transitions keyed by identity and occurrence (two with one identity pair up in order)."""
    raw = workflow.get("transitions")
    seen: Counter[TransitionId] = Counter()
    found: dict[tuple[TransitionId, int], dict[str, Any]] = {}
    for transition in raw if isinstance(raw, list) else []:
        if not isinstance(transition, Mapping):
            continue
        sources = transition.get("from")
        sources = (sources,) if isinstance(sources, str) else tuple(sorted(str(s) for s in sources or ()))
        identity = (str(transition.get("action")), sources, str(transition.get("to")))
        found[(identity, seen[identity])] = {
            aspect: transition.get(aspect, False if aspect in ("automatic", "comment_required") else None)
            for aspect in TRANSITION_ASPECTS
        }
        seen[identity] += 1
    return found


def _ranks(
    transitions: dict[tuple[TransitionId, int], dict[str, Any]], common: set[tuple[TransitionId, int]]
) -> dict[tuple[TransitionId, int], dict[str, int]]:
    """Per source state, the position of each common transition among those with its action."""
    counters: Counter[tuple[str, str]] = Counter()
    ranks: dict[tuple[TransitionId, int], dict[str, int]] = {}
    for key in transitions:  # declared order
        if key not in common:
            continue
        (action, sources, _), _ = key
        ranks[key] = {}
        for source in sources:
            ranks[key][source] = counters[(source, action)]
            counters[(source, action)] += 1
    return ranks


def _identity(key: tuple[TransitionId, int]) -> dict[str, Any]:
    (action, sources, target), _ = key
    return {"action": action, "sources": list(sources), "target": target}


def _changed_values(old: Any, new: Any) -> dict[str, list[Any]]:
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    keys = sorted(old.keys() | new.keys())
    return {key: [old.get(key), new.get(key)] for key in keys if old.get(key) != new.get(key)}


def _settings(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    defaults = {"allow_self_approval": False, "roles": []}
    return {
        key: [old.get(key, defaults.get(key)), new.get(key, defaults.get(key))]
        for key in SETTINGS
        if old.get(key, defaults.get(key)) != new.get(key, defaults.get(key))
    }
