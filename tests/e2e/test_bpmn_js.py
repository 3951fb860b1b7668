"""The BPMN export of every template opens in bpmn-js (the bpmn.io modeler) without warnings.

bpmn-js comes from the npm registry, pinned in tests/e2e/bpmn/package.json and locked in
its package-lock.json; `npm ci` installs it there when node_modules is missing. The same
package (bpmn-moddle) ships the official BPMN 2.0 XSD, against which the export is also
validated. Without npm the tests are skipped with the reason, except under CI.
"""

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from graphql_api.designer.bpmn import to_bpmn
from rules.definitions import parse_workflow
from tests.e2e.conftest import ROOT, screenshot

NPM_PROJECT = Path(__file__).resolve().parent / "bpmn"
NODE_MODULES = NPM_PROJECT / "node_modules"
MODELER_JS = NODE_MODULES / "bpmn-js" / "dist" / "bpmn-modeler.development.js"
BPMN_XSD = NODE_MODULES / "bpmn-moddle" / "resources" / "bpmn" / "xsd" / "BPMN20.xsd"
CONTAINERS = ("bpmn:Process", "bpmn:Collaboration", "bpmn:Participant", "bpmn:Lane", "label")
TEMPLATES = sorted(path.parent.name for path in (ROOT / "ui-schemas").glob("*/workflow.json"))

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>BPMN import</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="node_modules/bpmn-js/dist/assets/diagram-js.css">
<link rel="stylesheet" href="node_modules/bpmn-js/dist/assets/bpmn-js.css">
<link rel="stylesheet" href="node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn.css">
<script src="node_modules/bpmn-js/dist/bpmn-modeler.development.js"></script></head>
<body style="margin: 0"><div id="canvas" style="width: 1400px; height: 860px"></div></body></html>"""

IMPORT = """async (xml) => {
  const modeler = new BpmnJS({ container: '#canvas' });
  try {
    const { warnings } = await modeler.importXML(xml);
    modeler.get('canvas').zoom('fit-viewport');
    const types = {};
    for (const element of modeler.get('elementRegistry').getAll()) {
      const kind = element.waypoints ? 'connections' : 'shapes';
      types[kind] = types[kind] || {};
      types[kind][element.type] = (types[kind][element.type] || 0) + 1;
    }
    return { error: null, warnings: warnings.map((w) => w.message), types };
  } catch (error) {
    return { error: String(error), warnings: (error.warnings || []).map((w) => w.message), types: {} };
  }
}"""


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the BPMN tests are required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def npm_project() -> Path:
    """tests/e2e/bpmn with its node_modules, installed from the lock file when missing."""
    if not MODELER_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm is not installed (apt-get install -y npm): it installs bpmn-js for these tests")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NPM_PROJECT, capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            _missing(f"npm ci failed in {NPM_PROJECT}:\n{done.stdout}\n{done.stderr}")
    return NPM_PROJECT


@pytest.fixture(scope="module")
def modeler_origin(npm_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local HTTP server for the page and bpmn-js (fonts and styles load by relative URL)."""
    root = tmp_path_factory.mktemp("bpmn-js")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "node_modules").symlink_to(npm_project / "node_modules", target_is_directory=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def export(template: str) -> bytes:
    workflow = json.loads((ROOT / "ui-schemas" / template / "workflow.json").read_text(encoding="utf-8"))
    name = json.loads((ROOT / "ui-schemas" / template / "type.json").read_text(encoding="utf-8"))["name"]
    return to_bpmn(workflow, process_id=f"Process_{template}", name=name)


def expected_elements(template: str) -> tuple[dict[str, int], dict[str, int]]:
    """Shapes and connections bpmn-js should hold, counted from the workflow, not from the export."""
    workflow = parse_workflow(json.loads((ROOT / "ui-schemas" / template / "workflow.json").read_text()))
    shapes = {"bpmn:StartEvent": 1, "bpmn:EndEvent": 0, "bpmn:UserTask": 0, "bpmn:Task": 0,
              "bpmn:ExclusiveGateway": 0}
    flows = 1
    for key, state in workflow.states.items():
        leaving = workflow.transitions_from(key)
        if state.final and not leaving:
            shapes["bpmn:EndEvent"] += 1
        else:
            shapes["bpmn:UserTask" if state.assignees else "bpmn:Task"] += 1
        actions: dict[str, list[Any]] = {}
        for transition in leaving:
            actions.setdefault(transition.action, []).append(transition)
        for group in actions.values():
            gateway = len(group) > 1 and any(transition.when for transition in group)
            shapes["bpmn:ExclusiveGateway"] += gateway
            flows += len(group) + gateway
    return {kind: count for kind, count in shapes.items() if count}, {"bpmn:SequenceFlow": flows}


@pytest.mark.parametrize("template", TEMPLATES)
def test_bpmn_export_is_valid_against_the_official_bpmn_20_xsd(npm_project: Path, template: str):
    schema = etree.XMLSchema(etree.parse(str(BPMN_XSD)))
    document = etree.fromstring(export(template))

    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)


@pytest.mark.parametrize("template", TEMPLATES)
def test_bpmn_js_imports_the_template_export_without_warnings(modeler_origin: str, page: Any, template: str):
    page.goto(f"{modeler_origin}/index.html")
    page.wait_for_function("typeof window.BpmnJS === 'function'")

    result = page.evaluate(IMPORT, export(template).decode("utf-8"))

    assert result["error"] is None, result
    assert result["warnings"] == []
    shapes, connections = expected_elements(template)
    drawn = result["types"]["shapes"]
    assert {kind: count for kind, count in drawn.items() if kind not in CONTAINERS} == shapes
    assert result["types"]["connections"] == connections
    assert drawn["bpmn:Participant"] == 1
    screenshot(page, f"bpmn-js-{template}")
