"""A circuit exported as BPMN 2.0 XML, with its diagram, for standard BPMN modelers.

What maps to what:

- the process starts with a `startEvent` flowing into the initial state;
- a state is a `userTask` when someone is assigned to it, else a `task`; a final state
  (one with no way out) is an `endEvent` named after the state;
- a transition is a `sequenceFlow` per source state, named with its label, carrying its
  CEL guard as a `conditionExpression` (language https://github.com/google/cel-spec);
- transitions sharing an action and a source, some guarded, are the exclusive gateway of
  DESIGN §4 (first guard that holds wins, the unguarded one is the default): one flow named
  with the action's label goes into an `exclusiveGateway`, whose `default` is the
  unguarded flow; its outgoing flows are named with their guard (or their own label when
  the labels differ);
- one `lane` per role (and one for the creator) in a pool, holding the states assigned to
  it; events, gateways and unassigned states join the lane of the state before them.

Modelers need diagram interchange (`bpmndi`) to draw anything, so the layout is computed
here: states in columns by longest path from the start (edges closing a cycle left out),
lanes as rows, and edges routed orthogonally along column and row boundaries, which no
shape overlaps. The same workflow always gives the same bytes.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from lxml import etree

from rules.definitions import State, Transition, Workflow, humanise, parse_workflow

__all__ = ["to_bpmn", "BPMN_NS", "CEL_LANGUAGE"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CEL_LANGUAGE = "https://github.com/google/cel-spec"
TARGET_NAMESPACE = "https://parapheur.org/bpmn"
_NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS}

_SIZE = {"startEvent": (36, 36), "endEvent": (36, 36), "exclusiveGateway": (50, 50),
         "task": (120, 80), "userTask": (120, 80)}
_COLUMN, _ROW = 220.0, 130.0
_POOL_HEADER, _LANE_HEADER = 30.0, 30.0
_ORIGIN_X, _ORIGIN_Y = 160.0, 80.0
_PORT_STEP = 14.0
_BEND_OFFSETS = (0.0, 8.0, -8.0, 16.0, -16.0, 24.0, -24.0)
_CHANNEL_OFFSETS = (10.0, 16.0, 22.0)
_LABEL_CHAR_PX, _LABEL_WRAP, _LABEL_LINE = 6.0, 90.0, 14.0
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CREATOR_LANE = "\x00creator"  # cannot clash with a role key, which is JSON text


def to_bpmn(
    workflow: Mapping[str, Any], *, process_id: str, name: str, role_labels: Mapping[str, str] | None = None
) -> bytes:
    """The workflow as a BPMN 2.0 document (UTF-8 bytes with an XML declaration).

    `process_id` must be an XML name (letters, digits, `_ . -`, not starting with a digit);
    `role_labels` names the lanes (role key -> label; the key humanised otherwise). Raises
    `rules.errors.WorkflowError` when the workflow cannot be read.
    """
    if not _NCNAME.match(process_id):
        raise ValueError(
            f"process_id {process_id!r} is not an XML name; use letters, digits, '_', '.' or '-', "
            "starting with a letter or '_' (e.g. 'Process_purchase_request')"
        )
    graph = _Graph.build(parse_workflow(workflow), role_labels or {})
    _Layout(graph).place()
    return _Writer(graph, process_id, name).document()


@dataclass
class _Node:
    id: str
    kind: str  # a BPMN element name: startEvent, endEvent, task, userTask, exclusiveGateway
    name: str
    lane: str | None = None
    documentation: str = ""
    default: str | None = None  # gateways: id of the default flow
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    layer: int = 0
    row: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def width(self) -> float:
        return _SIZE[self.kind][0]

    @property
    def height(self) -> float:
        return _SIZE[self.kind][1]

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    documentation: str = ""
    waypoints: list[tuple[float, float]] = field(default_factory=list)
    label: tuple[float, float, float, float] | None = None  # x, y, width, height


@dataclass
class _Lane:
    key: str
    id: str
    name: str
    nodes: list[str] = field(default_factory=list)
    top: float = 0.0
    height: float = 0.0


class _Graph:
    """The BPMN elements of a workflow, before and after layout."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.lanes: dict[str, _Lane] = {}
        self.pool = (0.0, 0.0, 0.0, 0.0)  # x, y, width, height, set by the layout
        self._ids: set[str] = set()

    def unique_id(self, prefix: str, key: str = "") -> str:
        base = f"{prefix}_{_NOT_ID.sub('_', key)}" if key else prefix
        candidate, number = base, 2
        while candidate in self._ids:
            candidate, number = f"{base}_{number}", number + 1
        self._ids.add(candidate)
        return candidate

    def add_flow(self, source: str, target: str, **details: Any) -> _Flow:
        flow = _Flow(self.unique_id("Flow", f"{len(self.flows) + 1}"), source, target, **details)
        self.flows.append(flow)
        self.nodes[source].outgoing.append(flow.id)
        self.nodes[target].incoming.append(flow.id)
        return flow

    @classmethod
    def build(cls, workflow: Workflow, role_labels: Mapping[str, str]) -> _Graph:
        graph = cls()
        leaving = {key: workflow.transitions_from(key) for key in workflow.states}
        state_ids: dict[str, str] = {}
        start = _Node(graph.unique_id("StartEvent", "start"), "startEvent", "Start")
        graph.nodes[start.id] = start
        for key, state in workflow.states.items():
            if state.final and not leaving[key]:
                kind = "endEvent"
            else:
                kind = "userTask" if state.assignees else "task"
            node = _Node(graph.unique_id("State", key), kind, _text(state.label), documentation=_state_notes(state))
            first = state.assignees[0] if state.assignees else None
            if kind != "endEvent" and first is not None:
                node.lane = _CREATOR_LANE if first.creator else first.role
            graph.nodes[node.id] = node
            state_ids[key] = node.id
        graph.add_flow(start.id, state_ids[workflow.initial])
        for key in workflow.states:
            for action, group in _by_action(leaving[key]).items():
                graph.add_transitions(state_ids[key], key, action, group, state_ids)
        graph.assign_lanes(start.id, role_labels)
        return graph

    def add_transitions(
        self, source_id: str, source: str, action: str, group: list[Transition], state_ids: dict[str, str]
    ) -> None:
        if len(group) == 1 or all(t.when is None for t in group):
            for transition in group:
                self.add_flow(source_id, state_ids[transition.target], name=_text(transition.label),
                              condition=transition.when, documentation=_transition_notes(transition))
            return
        label = group[0].label
        gateway = _Node(self.unique_id("Gateway", f"{source}_{action}"), "exclusiveGateway", "",
                        lane=self.nodes[source_id].lane)
        self.nodes[gateway.id] = gateway
        self.add_flow(source_id, gateway.id, name=_text(label),
                      documentation=_transition_notes(group[0], guard=False))
        same_labels = len({t.label for t in group}) == 1
        for transition in group:
            name = transition.label if not same_labels else (transition.when or "")
            flow = self.add_flow(gateway.id, state_ids[transition.target], name=_text(name),
                                 condition=transition.when, documentation=_transition_notes(transition))
            if transition.when is None and gateway.default is None:
                gateway.default = flow.id

    def assign_lanes(self, start: str, role_labels: Mapping[str, str]) -> None:
        """Lanes in the order the circuit meets them; lane-less nodes join their predecessor's."""
        order = self.reading_order(start)
        targets = {flow.id: flow.target for flow in self.flows}
        for node_id in order:
            node = self.nodes[node_id]
            if node.lane is None:
                continue
            if node.lane not in self.lanes:
                label = "Creator" if node.lane == _CREATOR_LANE else role_labels.get(node.lane, humanise(node.lane))
                self.lanes[node.lane] = _Lane(node.lane, self.unique_id("Lane", node.lane.strip("\x00")),
                                              _text(label))
        if not self.lanes:
            return
        first_lane = next(iter(self.lanes))
        start_node = self.nodes[start]
        start_node.lane = self.nodes[targets[start_node.outgoing[0]]].lane or first_lane
        for node_id in order:
            node = self.nodes[node_id]
            if node.lane is None:
                sources = [flow.source for flow in self.flows if flow.target == node_id]
                node.lane = next((lane for s in sources if (lane := self.nodes[s].lane)), first_lane)
            self.lanes[node.lane].nodes.append(node_id)

    def reading_order(self, start: str) -> list[str]:
        """Breadth first from the start, then any node not reached, in declared order."""
        targets = {flow.id: flow.target for flow in self.flows}
        order, seen = [start], {start}
        for node_id in order:
            for flow_id in self.nodes[node_id].outgoing:
                if targets[flow_id] not in seen:
                    seen.add(targets[flow_id])
                    order.append(targets[flow_id])
        return order + [node_id for node_id in self.nodes if node_id not in seen]


class _Layout:
    """Columns by longest path, lanes as bands of rows, orthogonal edges between shapes."""

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.order = graph.reading_order(next(iter(graph.nodes)))
        self.back = self.back_edges()
        self.cells: dict[tuple[str | None, int], dict[int, str]] = defaultdict(dict)
        self.band_top: dict[str | None, float] = {}
        self.left = _ORIGIN_X
        self.exits: dict[str, tuple[float, float]] = {}
        self.entries: dict[str, tuple[float, float]] = {}
        self.bends: Counter[int] = Counter()
        self.channels: Counter[tuple[str | None, int]] = Counter()

    def place(self) -> None:
        self.layers()
        self.rows()
        self.coordinates()
        self.ports()
        for flow in self.graph.flows:
            flow.waypoints = self.route(flow)
            if flow.name:
                flow.label = _label_bounds(flow.name, flow.waypoints, below=self.is_back(flow))

    def back_edges(self) -> set[str]:
        """Flows closing a cycle in a depth-first walk from the start (return for changes)."""
        nodes, targets = self.graph.nodes, {f.id: f.target for f in self.graph.flows}
        back: set[str] = set()
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for root in self.order:
            if root in state:
                continue
            stack = [(root, iter(nodes[root].outgoing))]
            state[root] = 1
            while stack:
                node_id, pending = stack[-1]
                flow_id = next(pending, None)
                if flow_id is None:
                    state[node_id] = 2
                    stack.pop()
                elif state.get(targets[flow_id]) == 1:
                    back.add(flow_id)
                elif targets[flow_id] not in state:
                    state[targets[flow_id]] = 1
                    stack.append((targets[flow_id], iter(nodes[targets[flow_id]].outgoing)))
        return back

    def layers(self) -> None:
        """Longest path from the start over forward flows (Kahn's order)."""
        forward = [f for f in self.graph.flows if f.id not in self.back]
        waiting = {node_id: 0 for node_id in self.graph.nodes}
        for flow in forward:
            waiting[flow.target] += 1
        ready = [node_id for node_id in self.order if waiting[node_id] == 0]
        for node_id in ready:
            for flow in forward:
                if flow.source == node_id:
                    target = self.graph.nodes[flow.target]
                    target.layer = max(target.layer, self.graph.nodes[node_id].layer + 1)
                    waiting[flow.target] -= 1
                    if waiting[flow.target] == 0:
                        ready.append(flow.target)

    def rows(self) -> None:
        """Each node in the row of its first predecessor in its lane when free, else the nearest."""
        predecessor: dict[str, str] = {}
        for flow in self.graph.flows:
            if flow.id not in self.back:
                predecessor.setdefault(flow.target, flow.source)
        for node_id in self.order:
            node = self.graph.nodes[node_id]
            before = self.graph.nodes.get(predecessor.get(node_id, ""))
            wanted = before.row if before is not None and before.lane == node.lane else 0
            cell = self.cells[(node.lane, node.layer)]
            for step in range(2 * len(self.graph.nodes) + 1):
                row = wanted + (step + 1) // 2 * (1 if step % 2 else -1)
                if row >= 0 and row not in cell:
                    break
            cell[row] = node_id
            node.row = row

    def coordinates(self) -> None:
        bands: list[str | None] = [*self.graph.lanes] or [None]
        top = _ORIGIN_Y
        for band in bands:
            rows = max((row + 1 for (lane, _), cell in self.cells.items() if lane == band for row in cell), default=1)
            self.band_top[band] = top
            if band is not None:
                self.graph.lanes[band].top, self.graph.lanes[band].height = top, rows * _ROW
            top += rows * _ROW
        layers = max(node.layer for node in self.graph.nodes.values()) + 1
        self.left = _ORIGIN_X + _POOL_HEADER + (_LANE_HEADER if self.graph.lanes else 0)
        self.graph.pool = (_ORIGIN_X, _ORIGIN_Y, self.left - _ORIGIN_X + layers * _COLUMN, top - _ORIGIN_Y)
        for node in self.graph.nodes.values():
            centre_x = self.left + (node.layer + 0.5) * _COLUMN
            centre_y = self.band_top[node.lane] + (node.row + 0.5) * _ROW
            node.x, node.y = centre_x - node.width / 2, centre_y - node.height / 2

    def is_back(self, flow: _Flow) -> bool:
        return flow.id in self.back or self.graph.nodes[flow.target].layer <= self.graph.nodes[flow.source].layer

    def ports(self) -> None:
        """Where each flow leaves and enters its shapes, spread along a side so lines stay apart:
        forward flows leave on the right, flows going back leave at the bottom, all enter on the left."""
        nodes = self.graph.nodes
        right: dict[str, list[_Flow]] = defaultdict(list)
        bottom: dict[str, list[_Flow]] = defaultdict(list)
        left: dict[str, list[_Flow]] = defaultdict(list)
        for flow in self.graph.flows:
            (bottom if self.is_back(flow) else right)[flow.source].append(flow)
            left[flow.target].append(flow)
        for node_id, flows in right.items():
            node = nodes[node_id]
            flows.sort(key=lambda f: (nodes[f.target].centre[1], nodes[f.target].centre[0]))
            for flow, offset in zip(flows, _spread(len(flows), node.height), strict=True):
                self.exits[flow.id] = (node.x + node.width, node.centre[1] + offset)
        for node_id, flows in bottom.items():
            node = nodes[node_id]
            flows.sort(key=lambda f: nodes[f.target].centre[0])
            for flow, offset in zip(flows, _spread(len(flows), node.width), strict=True):
                self.exits[flow.id] = (node.centre[0] + offset, node.y + node.height)
        for node_id, flows in left.items():
            node = nodes[node_id]
            flows.sort(key=lambda f: (self.is_back(f), nodes[f.source].centre[1], nodes[f.source].centre[0]))
            for flow, offset in zip(flows, _spread(len(flows), node.height), strict=True):
                self.entries[flow.id] = (node.x, node.centre[1] + offset)

    def bend(self, layer: int) -> float:
        """An x in the gap after column `layer` (no shape reaches it), a different one per use."""
        used = self.bends[layer]
        self.bends[layer] += 1
        return self.left + (layer + 1) * _COLUMN + _BEND_OFFSETS[used % len(_BEND_OFFSETS)]

    def channel(self, node: _Node) -> float:
        """A y in the gap below the node's row (no shape reaches it), a different one per use."""
        used = self.channels[(node.lane, node.row)]
        self.channels[(node.lane, node.row)] += 1
        return self.band_top[node.lane] + (node.row + 1) * _ROW - _CHANNEL_OFFSETS[used % len(_CHANNEL_OFFSETS)]

    def blocked(self, lane: str | None, row: int, first: int, last: int) -> bool:
        return any(row in self.cells.get((lane, layer), {}) for layer in range(first, last + 1))

    def route(self, flow: _Flow) -> list[tuple[float, float]]:
        source, target = self.graph.nodes[flow.source], self.graph.nodes[flow.target]
        (out_x, out_y), (in_x, in_y) = self.exits[flow.id], self.entries[flow.id]
        if self.is_back(flow):
            gap, channel = self.bend(target.layer - 1), self.channel(source)
            return [(out_x, out_y), (out_x, channel), (gap, channel), (gap, in_y), (in_x, in_y)]
        source_row_free = not self.blocked(source.lane, source.row, source.layer + 1, target.layer - 1)
        if source_row_free and out_y == in_y:
            return [(out_x, out_y), (in_x, in_y)]
        if source_row_free:
            bend = self.bend(target.layer - 1)
            return [(out_x, out_y), (bend, out_y), (bend, in_y), (in_x, in_y)]
        if not self.blocked(target.lane, target.row, source.layer + 1, target.layer - 1):
            bend = self.bend(source.layer)
            return [(out_x, out_y), (bend, out_y), (bend, in_y), (in_x, in_y)]
        first, last, channel = self.bend(source.layer), self.bend(target.layer - 1), self.channel(source)
        return [(out_x, out_y), (first, out_y), (first, channel), (last, channel), (last, in_y), (in_x, in_y)]


def _spread(count: int, side: float) -> list[float]:
    """Offsets from the middle of a side for `count` ports, at most _PORT_STEP apart."""
    step = min(_PORT_STEP, (side - 16) / max(count - 1, 1))
    return [(index - (count - 1) / 2) * step for index in range(count)]


def _label_bounds(name: str, waypoints: list[tuple[float, float]], below: bool) -> tuple[float, float, float, float]:
    """A flow's label by its longest horizontal segment (above it, or below for flows going
    back), or beside its longest vertical one when no horizontal segment is long enough.

    bpmn-js wraps external labels at 90 px around the centre of these bounds."""
    width = min(max(len(name) * _LABEL_CHAR_PX, 16.0), _LABEL_WRAP)
    height = math.ceil(len(name) * _LABEL_CHAR_PX / _LABEL_WRAP) * _LABEL_LINE
    pairs = list(zip(waypoints, waypoints[1:], strict=False))
    flat = [(a, b) for a, b in pairs if a[1] == b[1]]
    upright = [(a, b) for a, b in pairs if a[0] == b[0] and a[1] != b[1]]
    (x1, y), (x2, _) = max(flat or pairs, key=lambda pair: abs(pair[1][0] - pair[0][0]))
    if abs(x2 - x1) < width + 16 and upright:
        (x, y1), (_, y2) = max(upright, key=lambda pair: abs(pair[1][1] - pair[0][1]))
        return x + 4, (y1 + y2) / 2 - height / 2, width, height
    left, length = min(x1, x2), abs(x2 - x1)
    x = left + 8 if length >= width + 16 else left + (length - width) / 2
    return x, (y + 3 if below else y - height - 3), width, height


class _Writer:
    def __init__(self, graph: _Graph, process_id: str, name: str) -> None:
        self.graph, self.process_id, self.name = graph, process_id, _text(name)

    def document(self) -> bytes:
        definitions = etree.Element(_q(BPMN_NS, "definitions"), nsmap=_NSMAP)
        definitions.set("id", f"Definitions_{self.process_id}")
        definitions.set("targetNamespace", TARGET_NAMESPACE)
        definitions.set("exporter", "Parapheur")
        try:
            definitions.set("exporterVersion", package_version("parapheur"))
        except PackageNotFoundError:
            pass
        collaboration = etree.SubElement(definitions, _q(BPMN_NS, "collaboration"))
        collaboration.set("id", f"Collaboration_{self.process_id}")
        participant = etree.SubElement(collaboration, _q(BPMN_NS, "participant"))
        participant.set("id", f"Participant_{self.process_id}")
        participant.set("name", self.name)
        participant.set("processRef", self.process_id)
        self.process(etree.SubElement(definitions, _q(BPMN_NS, "process")))
        self.diagram(etree.SubElement(definitions, _q(BPMNDI_NS, "BPMNDiagram"), id=f"Diagram_{self.process_id}"),
                     collaboration.get("id", ""), participant.get("id", ""))
        return etree.tostring(definitions, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def process(self, process: etree._Element) -> None:
        process.set("id", self.process_id)
        process.set("name", self.name)
        process.set("isExecutable", "false")
        if self.graph.lanes:
            lane_set = etree.SubElement(process, _q(BPMN_NS, "laneSet"), id=f"LaneSet_{self.process_id}")
            for lane in self.graph.lanes.values():
                element = etree.SubElement(lane_set, _q(BPMN_NS, "lane"), id=lane.id, name=lane.name)
                for node_id in lane.nodes:
                    etree.SubElement(element, _q(BPMN_NS, "flowNodeRef")).text = node_id
        for node in self.graph.nodes.values():
            element = etree.SubElement(process, _q(BPMN_NS, node.kind), id=node.id)
            if node.name:
                element.set("name", node.name)
            if node.default:
                element.set("default", node.default)
            _documentation(element, node.documentation)
            for flow_id in node.incoming:
                etree.SubElement(element, _q(BPMN_NS, "incoming")).text = flow_id
            for flow_id in node.outgoing:
                etree.SubElement(element, _q(BPMN_NS, "outgoing")).text = flow_id
        for flow in self.graph.flows:
            element = etree.SubElement(process, _q(BPMN_NS, "sequenceFlow"), id=flow.id,
                                       sourceRef=flow.source, targetRef=flow.target)
            if flow.name:
                element.set("name", flow.name)
            _documentation(element, flow.documentation)
            if flow.condition is not None:
                condition = etree.SubElement(element, _q(BPMN_NS, "conditionExpression"))
                condition.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
                condition.set("language", CEL_LANGUAGE)
                condition.text = _text(flow.condition)

    def diagram(self, diagram: etree._Element, collaboration_id: str, participant_id: str) -> None:
        plane = etree.SubElement(diagram, _q(BPMNDI_NS, "BPMNPlane"), id=f"Plane_{self.process_id}",
                                 bpmnElement=collaboration_id)
        x, y, width, height = self.graph.pool
        _shape(plane, participant_id, x, y, width, height, horizontal=True)
        for lane in self.graph.lanes.values():
            _shape(plane, lane.id, x + _POOL_HEADER, lane.top, width - _POOL_HEADER, lane.height, horizontal=True)
        for node in self.graph.nodes.values():
            _shape(plane, node.id, node.x, node.y, node.width, node.height)
        for flow in self.graph.flows:
            edge = etree.SubElement(plane, _q(BPMNDI_NS, "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id)
            for px, py in flow.waypoints:
                etree.SubElement(edge, _q(DI_NS, "waypoint"), x=_n(px), y=_n(py))
            if flow.label is not None:
                label = etree.SubElement(edge, _q(BPMNDI_NS, "BPMNLabel"))
                x, y, width, height = flow.label
                etree.SubElement(label, _q(DC_NS, "Bounds"), x=_n(x), y=_n(y), width=_n(width), height=_n(height))


def _shape(plane: etree._Element, element_id: str, x: float, y: float, width: float, height: float,
           horizontal: bool = False) -> None:
    shape = etree.SubElement(plane, _q(BPMNDI_NS, "BPMNShape"), id=f"{element_id}_di", bpmnElement=element_id)
    if horizontal:
        shape.set("isHorizontal", "true")
    etree.SubElement(shape, _q(DC_NS, "Bounds"), x=_n(x), y=_n(y), width=_n(width), height=_n(height))


def _documentation(element: etree._Element, text: str) -> None:
    if text:
        etree.SubElement(element, _q(BPMN_NS, "documentation")).text = _text(text)


def _by_action(transitions: tuple[Transition, ...]) -> dict[str, list[Transition]]:
    groups: dict[str, list[Transition]] = {}
    for transition in transitions:
        groups.setdefault(transition.action, []).append(transition)
    return groups


def _state_notes(state: State) -> str:
    notes = []
    for assignee in state.assignees:
        if assignee.creator:
            notes.append("Assigned to the creator")
        else:
            scope = ", ".join(f"{key} = {source}" for key, source in assignee.scope.items())
            notes.append(f"Assigned to role {assignee.role}" + (f" (scope: {scope})" if scope else ""))
    if state.sla_hours:
        notes.append(f"SLA: {state.sla_hours} h")
    if state.editable == "*":
        notes.append("Editable: every field")
    elif state.editable:
        notes.append(f"Editable: {', '.join(state.editable)}")
    if state.on_enter:
        notes.append(f"On entry: {', '.join(state.on_enter)}")
    return f"State {state.key}. " + "; ".join(notes) if notes else f"State {state.key}."


def _transition_notes(transition: Transition, guard: bool = True) -> str:
    notes = [f"Action {transition.action}"]
    if transition.automatic:
        notes.append("automatic")
    if transition.by_creator:
        notes.append("by the creator")
    if transition.roles:
        notes.append(f"roles: {', '.join(transition.roles)}")
    if transition.when and guard:
        notes.append(f"when: {transition.when}")
    if transition.comment_required:
        notes.append("comment required")
    return "; ".join(notes) + "."


def _text(value: str) -> str:
    """Text XML 1.0 can hold (lxml refuses control characters rather than escaping them)."""
    return _NOT_XML.sub("\ufffd", value)


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
