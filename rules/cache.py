"""Parsed workflows cached by published version id, so CEL compiles once per version.

A published `DocumentTypeVersion` never changes, so its id is a safe key: the raw
JSON is only read on a miss. Thread-safe; each process keeps its own small LRU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from rules.definitions import Workflow, parse_workflow

MAXSIZE = 256

_lock = threading.Lock()
_workflows: OrderedDict[int, Workflow] = OrderedDict()


def compiled(version_id: int, raw: Mapping[str, Any]) -> Workflow:
    """The workflow of a published version, parsed on first use; raises `WorkflowError` if broken."""
    with _lock:
        found = _workflows.get(version_id)
        if found is not None:
            _workflows.move_to_end(version_id)
            return found
    workflow = parse_workflow(raw)
    with _lock:
        found = _workflows.setdefault(version_id, workflow)
        _workflows.move_to_end(version_id)
        while len(_workflows) > MAXSIZE:
            _workflows.popitem(last=False)
        return found


def clear() -> None:
    """Forget every cached workflow (tests, or after an unlikely in-place fix of a version)."""
    with _lock:
        _workflows.clear()
