"""The BPMN 2.0 export: elements, gateways, lanes and a diagram modelers can draw.

The export is also validated against the official XSD and imported into bpmn-js in
tests/e2e/test_bpmn_js.py (both come from the npm project there).
"""

import itertools
import json
from pathlib import Path

import pytest
from lxml import etree

from graphql_api.designer.bpmn import BPMN_NS, CEL_LANGUAGE, to_bpmn
from rules.errors import WorkflowError

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "ui-schemas"
TEMPLATES = sorted(path.parent.name for path in TEMPLATES_DIR.glob("*/workflow.json"))
NS = {"bpmn": BPMN_NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
FLOW_NODES = ("startEvent", "endEvent", "task", "userTask", "exclusiveGateway")


def template(name: str) -> dict:
    return json.loads((TEMPLATES_DIR / name / "workflow.json").read_text(encoding="utf-8"))


def export(workflow: dict, **options) -> etree._Element:
    return etree.fromstring(to_bpmn(workflow, process_id="Process_test", name="Test", **options))


def one(root: etree._Element, path: str) -> etree._Element:
    [found] = root.xpath(path, namespaces=NS)
    return found


def flow_nodes(root: etree._Element) -> list[etree._Element]:
    return [node for kind in FLOW_NODES for node in root.xpath(f"//bpmn:process/bpmn:{kind}", namespaces=NS)]


def bounds(root: etree._Element, element_id: str) -> tuple[float, float, float, float]:
    box = one(root, f"//bpmndi:BPMNShape[@bpmnElement='{element_id}']/dc:Bounds")
    return tuple(float(box.get(key)) for key in ("x", "y", "width", "height"))


def on_border(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y, width, height = box
    px, py = point
    inside = x - 0.01 <= px <= x + width + 0.01 and y - 0.01 <= py <= y + height + 0.01
    return inside and min(abs(px - x), abs(px - x - width), abs(py - y), abs(py - y - height)) < 0.01


SMALL = {
    "initial": "draft",
    "roles": ["clerk"],
    "states": {
        "draft": {"label": "Draft", "assignees": [{"creator": True}]},
        "check": {"label": "Automatic check"},
        "review": {"label": "Review", "assignees": [{"role": "clerk"}]},
        "done": {"label": "Done", "final": True},
    },
    "transitions": [
        {"action": "submit", "label": "Submit", "from": "draft", "to": "check", "by": "creator"},
        {"action": "route", "label": "Route", "from": "check", "to": "done", "automatic": True,
         "when": "amount < 10.0"},
        {"action": "route", "label": "Route", "from": "check", "to": "review", "automatic": True},
        {"action": "accept", "label": "Accept", "from": "review", "to": "done", "roles": ["clerk"]},
        {"action": "send_back", "label": "Send back", "from": "review", "to": "draft", "roles": ["clerk"]},
    ],
}


def test_definitions_hold_one_non_executable_process_in_a_pool():
    root = export(SMALL)

    assert root.tag == f"{{{BPMN_NS}}}definitions"
    assert root.get("exporter") == "Parapheur"
    assert root.get("targetNamespace")
    process = one(root, "/bpmn:definitions/bpmn:process")
    assert (process.get("id"), process.get("name"), process.get("isExecutable")) == ("Process_test", "Test", "false")
    assert one(root, "//bpmn:participant").get("processRef") == "Process_test"


def test_states_become_user_tasks_tasks_and_end_events_after_a_start_event():
    root = export(SMALL)

    kinds = {node.get("name"): etree.QName(node).localname for node in flow_nodes(root)}
    assert kinds == {"Start": "startEvent", "Draft": "userTask", "Automatic check": "task", "Review": "userTask",
                     "Done": "endEvent", None: "exclusiveGateway"}
    start_flow = one(root, "//bpmn:sequenceFlow[@sourceRef=//bpmn:startEvent/@id]")
    assert one(root, f"//*[@id='{start_flow.get('targetRef')}']").get("name") == "Draft"


def test_guarded_transitions_of_one_action_go_through_an_exclusive_gateway_with_a_default():
    root = export(SMALL)

    gateway = one(root, "//bpmn:exclusiveGateway")
    into = one(root, f"//bpmn:sequenceFlow[@targetRef='{gateway.get('id')}']")
    out = root.xpath(f"//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", namespaces=NS)
    assert into.get("name") == "Route"
    assert one(root, f"//*[@id='{into.get('sourceRef')}']").get("name") == "Automatic check"
    guarded, default = out
    assert gateway.get("default") == default.get("id")
    assert default.find("bpmn:conditionExpression", NS) is None
    condition = guarded.find("bpmn:conditionExpression", NS)
    assert (condition.text, condition.get("language"), condition.get(XSI_TYPE)) == (
        "amount < 10.0", CEL_LANGUAGE, "bpmn:tFormalExpression")
    assert guarded.get("name") == "amount < 10.0"


def test_a_lone_guarded_transition_is_a_conditional_flow_from_its_state():
    root = export(template("purchase_request"))

    auto = one(root, "//bpmn:sequenceFlow[@name='Approved automatically']")
    assert one(root, f"//*[@id='{auto.get('sourceRef')}']").get("name") == "Service review"
    assert auto.find("bpmn:conditionExpression", NS).text == "total_ht < params.auto_approval_limit"
    assert len(root.xpath("//bpmn:exclusiveGateway", namespaces=NS)) == 2  # approve from service and DAF review


def test_each_source_of_a_transition_gets_its_own_flow_named_with_its_label():
    root = export(template("purchase_request"))

    rejects = root.xpath("//bpmn:sequenceFlow[@name='Reject']", namespaces=NS)
    sources = {one(root, f"//*[@id='{flow.get('sourceRef')}']").get("name") for flow in rejects}
    assert sources == {"Service review", "Finance director review", "General manager review"}
    assert {flow.get("targetRef") for flow in rejects} == {"State_rejected"}


def test_incoming_and_outgoing_references_match_the_flows():
    root = export(template("purchase_request"))

    for node in flow_nodes(root):
        node_id = node.get("id")
        incoming = [e.text for e in node.findall("bpmn:incoming", NS)]
        outgoing = [e.text for e in node.findall("bpmn:outgoing", NS)]
        assert incoming == root.xpath(f"//bpmn:sequenceFlow[@targetRef='{node_id}']/@id", namespaces=NS)
        assert outgoing == root.xpath(f"//bpmn:sequenceFlow[@sourceRef='{node_id}']/@id", namespaces=NS)


def test_lanes_per_role_hold_every_flow_node_once_with_the_given_labels():
    root = export(template("purchase_request"), role_labels={"daf": "CFO (DAF)"})

    lanes = {lane.get("name"): [ref.text for ref in lane.findall("bpmn:flowNodeRef", NS)]
             for lane in root.xpath("//bpmn:lane", namespaces=NS)}
    assert list(lanes) == ["Creator", "Service manager", "Accounting", "CFO (DAF)", "Dg"]
    assert "State_service_review" in lanes["Service manager"]
    assert "Gateway_daf_review_approve" in lanes["CFO (DAF)"]
    refs = [ref for refs in lanes.values() for ref in refs]
    assert sorted(refs) == sorted(node.get("id") for node in flow_nodes(root))


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_diagram_draws_every_element_without_overlaps_and_with_orthogonal_edges(name):
    root = export(template(name))
    nodes = flow_nodes(root)
    element_ids = [n.get("id") for n in nodes] + root.xpath("//bpmn:lane/@id | //bpmn:participant/@id",
                                                             namespaces=NS)

    shaped = root.xpath("//bpmndi:BPMNShape/@bpmnElement", namespaces=NS)
    assert sorted(shaped) == sorted(element_ids)
    boxes = {node.get("id"): bounds(root, node.get("id")) for node in nodes}
    for (a, (ax, ay, aw, ah)), (b, (bx, by, bw, bh)) in itertools.combinations(boxes.items(), 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}"
    px, py, pw, ph = bounds(root, one(root, "//bpmn:participant").get("id"))
    for node_id, (x, y, w, h) in boxes.items():
        assert px <= x and x + w <= px + pw and py <= y and y + h <= py + ph, f"{node_id} is outside the pool"
    flows = root.xpath("//bpmn:sequenceFlow", namespaces=NS)
    assert sorted(root.xpath("//bpmndi:BPMNEdge/@bpmnElement", namespaces=NS)) == sorted(f.get("id") for f in flows)
    for flow in flows:
        points = [(float(p.get("x")), float(p.get("y"))) for p in
                  root.xpath(f"//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']/di:waypoint", namespaces=NS)]
        assert len(points) >= 2
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points)), flow.get("id")
        assert on_border(points[0], boxes[flow.get("sourceRef")]), flow.get("id")
        assert on_border(points[-1], boxes[flow.get("targetRef")]), flow.get("id")


def test_text_is_escaped_and_control_characters_are_replaced():
    workflow = json.loads(json.dumps(SMALL))
    workflow["states"]["review"]["label"] = 'Review <"R&D"> \x07'
    workflow["transitions"][1]["when"] = 'amount < 10.0 && note != "<b>"'
    raw = to_bpmn(workflow, process_id="Process_test", name="Achats & <frais>")

    root = etree.fromstring(raw)

    assert one(root, "//bpmn:userTask[@id='State_review']").get("name") == 'Review <"R&D"> \ufffd'
    assert one(root, "//bpmn:conditionExpression").text == 'amount < 10.0 && note != "<b>"'
    assert one(root, "//bpmn:process").get("name") == "Achats & <frais>"
    assert b"&amp;&amp;" in raw


def test_state_keys_that_are_not_xml_names_get_unique_valid_ids():
    workflow = {
        "initial": "1st step",
        "states": {"1st step": {"assignees": [{"creator": True}]}, "1st_step": {"assignees": [{"creator": True}]},
                   "à valider": {"final": True}},
        "transitions": [{"action": "go", "from": "1st step", "to": "1st_step", "by": "creator"},
                        {"action": "end", "from": "1st_step", "to": "à valider", "by": "creator"}],
    }

    root = export(workflow)

    ids = root.xpath("//@id")
    assert len(ids) == len(set(ids))
    assert {"State_1st_step", "State_1st_step_2", "State___valider"} <= set(ids)
    assert one(root, "//bpmn:userTask[@id='State_1st_step']").get("name") == "1st step"


def test_the_same_workflow_always_gives_the_same_bytes():
    assert to_bpmn(template("purchase_request"), process_id="P", name="N") == to_bpmn(
        template("purchase_request"), process_id="P", name="N")


def test_a_process_id_that_is_not_an_xml_name_is_refused():
    with pytest.raises(ValueError, match="'1 process' is not an XML name"):
        to_bpmn(SMALL, process_id="1 process", name="Test")


def test_an_unreadable_workflow_is_refused_with_its_problems():
    with pytest.raises(WorkflowError, match="initial state 'nowhere' is not a state"):
        to_bpmn({**SMALL, "initial": "nowhere"}, process_id="Process_test", name="Test")
