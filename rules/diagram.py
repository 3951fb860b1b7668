"""The workflow drawn as a standalone SVG, laid out here so `rules/` needs no graphviz.

Why a layout of our own: `rules/` imports only the standard library, and the diagram must
be cheap (drawn for document pages) and give the same bytes for the same definition, so
it can be cached and compared. The layout is a small Sugiyama pipeline, top to bottom:

1. Transitions sharing action, label, target, condition and direction form one *group*;
   its label becomes a node of its own, so labels take real space and never overlap.
   Edges from several sources (reject, withdraw, ...) converge on that one label.
2. A depth-first search from the initial state finds the edges that close a cycle
   (return for changes); their label sits just below the target and the arrow points up.
3. Longest-path layering, a chain of zero-width dummies per layer an edge crosses
   (shared by a group's sources, so their lines run as one trunk), barycentre ordering
   that keeps the order with the fewest crossings, then x positions pulled toward their
   neighbours and packed without overlap (weighted isotonic regression). The longest
   forward run from the initial state (the happy path) is weighted to stay one straight column.

The embedded style is scoped to `.workflow-diagram` (the root's class) so that an inlined
diagram does not restyle the host page; pages theme it by overriding those classes.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from rules.definitions import Workflow

__all__ = ["render_svg"]

SVG_NS = "http://www.w3.org/2000/svg"
_CHAR_PX = {"name": 7.8, "key": 6.0, "label": 6.6, "condition": 6.6}
_NAME_WRAP, _NAME_LINES = 30, 3
_CONDITION_CHARS = 40
_STATE_PAD, _LABEL_PAD = 14.0, 7.0
_RANK_GAP, _MARGIN, _START_SPACE = 30.0, 16.0, 34.0
_GAP = {("real", "real"): 26.0, ("real", "dummy"): 14.0, ("dummy", "dummy"): 10.0}
_WEIGHT = {("real", "real"): 1.0, ("real", "dummy"): 2.0, ("dummy", "dummy"): 8.0}
_SPINE_WEIGHT = 1e6
_PORT_STEP = 16.0
_ORDER_SWEEPS, _PLACE_SWEEPS = 8, 6
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STYLE = "".join(
    f"\n.workflow-diagram {rule}"
    for rule in (
        ".state .box{fill:#fff;stroke:#475569;stroke-width:1.5}",
        ".state.final .box{fill:#f1f5f9;stroke:#334155}",
        ".state.final .inner{fill:none;stroke:#334155}",
        ".state.current .box{fill:#fde68a;stroke:#b45309;stroke-width:2.5}",
        ".state .name{font:600 13px sans-serif;fill:#0f172a}",
        ".state .key{font:10px monospace;fill:#64748b}",
        ".initial circle{fill:#0f172a}",
        ".initial .edge{fill:none;stroke:#0f172a;stroke-width:1.4}",
        ".transition .edge{fill:none;stroke:#64748b;stroke-width:1.4}",
        ".transition.auto .edge{stroke-dasharray:5 4}",
        ".transition.back .edge{stroke:#b45309}",
        ".label .bg{fill:#fff;stroke:#cbd5e1}",
        ".label .text{font:12px sans-serif;fill:#1e293b}",
        ".label .condition{font:11px monospace;fill:#475569}",
        ".transition .junction{fill:#64748b}",
        ".transition.back .junction{fill:#b45309}",
        ".arrowhead{fill:#64748b}",
        ".back-arrowhead{fill:#b45309}",
    )
)


def render_svg(workflow: Workflow, *, current: str | None = None, title: str | None = None) -> str:
    """The workflow as an SVG document, for `DocumentType.diagram` and the document page.

    `current` highlights the document's state (class `current`); unknown keys are a caller
    bug (a document read against the wrong version) and raise `ValueError`.
    """
    if current is not None and current not in workflow.states:
        known = ", ".join(workflow.states)
        raise ValueError(f"current state '{current}' is not a state of this workflow; states are: {known}")
    layout = _Layout(workflow)
    return _Drawing(workflow, layout, current, title or "Workflow").svg()


@dataclass(frozen=True)
class _Group:
    """Transitions drawn as one labelled edge; `node` is the id of its label node."""

    node: str
    action: str
    label: str
    target: str
    when: str | None
    automatic: bool
    back: bool
    sources: tuple[str, ...]


@dataclass
class _Node:
    id: str
    kind: str  # "state", "label" or "dummy"
    width: float = 0.0
    height: float = 0.0
    lines: tuple[str, ...] = ()
    rank: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def spacing(self) -> str:
        """Dummies sit closer to their neighbours than boxes do (see `_GAP`, `_WEIGHT`)."""
        return "dummy" if self.kind == "dummy" else "real"


@dataclass(frozen=True)
class _Link:
    """A piece of an edge between adjacent ranks; `arrow` is "down", "up" or None."""

    upper: str
    lower: str
    group: str
    arrow: str | None = None


@dataclass
class _Layout:
    """Ranks, order and coordinates of every box, label and dummy; computed on creation."""

    workflow: Workflow
    groups: list[_Group] = field(default_factory=list)
    nodes: dict[str, _Node] = field(default_factory=dict)
    links: list[_Link] = field(default_factory=list)
    ranks: list[list[str]] = field(default_factory=list)
    band: list[tuple[float, float]] = field(default_factory=list)
    chains: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)
    spine: set[tuple[str, str]] = field(default_factory=set)
    adjacent: dict[str, dict[str, list[tuple[str, float]]]] = field(default_factory=lambda: {"up": {}, "down": {}})
    ports: dict[tuple[_Link, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.groups = _groups(self.workflow)
        for state in self.workflow.states.values():
            lines = tuple(textwrap.wrap(state.label, _NAME_WRAP, max_lines=_NAME_LINES, placeholder="…"))
            lines = lines or (state.label,)
            width = max(max(_text_px(line, "name") for line in lines), _text_px(state.key, "key"))
            self.nodes[state.key] = _Node(state.key, "state", width + 2 * _STATE_PAD, 26 + 16 * len(lines), lines)
        for group in self.groups:
            lines = (_label_line(group),) + ((f"[{_shorten(group.when)}]",) if group.when else ())
            width = max([_text_px(lines[0], "label")] + [_text_px(line, "condition") for line in lines[1:]])
            self.nodes[group.node] = _Node(group.node, "label", width + 2 * _LABEL_PAD, 8 + 15 * len(lines), lines)
        self._layer()
        self._link()
        self._widen_for_ports()
        self._order()
        self._place_x()
        self._place_y()
        self._place_ports()

    def _layer(self) -> None:
        """Longest-path ranks over the acyclic constraints the groups imply."""
        after: dict[str, list[str]] = defaultdict(list)
        for group in self.groups:
            if group.back:
                after[group.target].append(group.node)
                after[group.node].extend(source for source in group.sources if source != group.target)
            else:
                for source in group.sources:
                    after[source].append(group.node)
                after[group.node].append(group.target)
        indegree = dict.fromkeys(self.nodes, 0)
        for successors in after.values():
            for successor in successors:
                indegree[successor] += 1
        ready = deque(key for key, count in indegree.items() if count == 0)
        while ready:
            key = ready.popleft()
            for successor in after[key]:
                self.nodes[successor].rank = max(self.nodes[successor].rank, self.nodes[key].rank + 1)
                indegree[successor] -= 1
                if indegree[successor] == 0:
                    ready.append(successor)

    def _link(self) -> None:
        """Links between adjacent ranks, through dummies shared by the sources of a group."""
        seen: set[_Link] = set()

        def chain(group: _Group, part: str, keys: list[str], arrow: str | None) -> list[str]:
            upper, lower = keys[0], keys[-1]
            path = [upper]
            for rank in range(self.nodes[upper].rank + 1, self.nodes[lower].rank):
                dummy = f"{group.node}:{part}:{rank}"
                self.nodes.setdefault(dummy, _Node(dummy, "dummy", rank=rank))
                path.append(dummy)
            path.append(lower)
            for index, (a, b) in enumerate(zip(path, path[1:], strict=False)):
                last = index == len(path) - 2 if arrow == "down" else index == 0
                link = _Link(a, b, group.node, arrow if arrow and last else None)
                if link not in seen:
                    seen.add(link)
                    self.links.append(link)
            return path

        for group in self.groups:
            if group.back:
                for source in group.sources:
                    keys = [group.target, group.node] if source == group.target else [group.node, source]
                    self.chains[group.node, source] = chain(group, "in", keys, None)
                self.chains[group.node, None] = chain(group, "out", [group.target, group.node], "up")
            else:
                for source in group.sources:
                    self.chains[group.node, source] = chain(group, "in", [source, group.node], None)
                self.chains[group.node, None] = chain(group, "out", [group.node, group.target], "down")

    def _widen_for_ports(self) -> None:
        """Room on each side of the centre for the links that meet a box, so ports never bunch."""
        count: dict[tuple[str, str], int] = defaultdict(int)
        for link in self.links:
            count[link.upper, "bottom"] += 1
            count[link.lower, "top"] += 1
        for (key, _), links in count.items():
            node = self.nodes[key]
            if node.kind != "dummy":
                node.width = max(node.width, 24 + 2 * _PORT_STEP * (links - 1))

    def _spine(self) -> set[tuple[str, str]]:
        """The longest forward run of states from the initial one, which placement keeps straight."""
        forward = [group for group in self.groups if not group.back]
        length: dict[str, int] = {}
        for key in sorted(self.workflow.states, key=lambda key: -self.nodes[key].rank):
            following = [length[group.target] for group in forward if key in group.sources]
            length[key] = 1 + max(following, default=0)
        pairs: set[tuple[str, str]] = set()
        key = self.workflow.initial
        while options := [group for group in forward if key in group.sources]:
            group = max(options, key=lambda group: length[group.target])
            for path in (self.chains[group.node, key], self.chains[group.node, None]):
                pairs.update(zip(path, path[1:], strict=False))
            key = group.target
        return pairs

    def neighbours(self, key: str, side: str) -> list[tuple[str, float]]:
        return self.adjacent[side].get(key, [])

    def _order(self) -> None:
        """Barycentre sweeps then adjacent swaps; keeps the ordering with the fewest crossings."""
        self.spine = self._spine()
        for link in self.links:
            weight = _WEIGHT[_pair(self.nodes[link.upper].spacing, self.nodes[link.lower].spacing)]
            weight = _SPINE_WEIGHT if (link.upper, link.lower) in self.spine else weight
            self.adjacent["up"].setdefault(link.lower, []).append((link.upper, weight))
            self.adjacent["down"].setdefault(link.upper, []).append((link.lower, weight))
        self.ranks = [[] for _ in range(max(node.rank for node in self.nodes.values()) + 1)]
        for node in self.nodes.values():
            self.ranks[node.rank].append(node.id)
        best, fewest = [list(rank) for rank in self.ranks], self._crossings()
        for sweep in range(_ORDER_SWEEPS):
            side = "up" if sweep % 2 == 0 else "down"
            indices = range(1, len(self.ranks)) if side == "up" else range(len(self.ranks) - 2, -1, -1)
            for index in indices:
                self._sort_by_barycentre(index, side)
            self._transpose()
            crossings = self._crossings()
            if crossings < fewest:
                best, fewest = [list(rank) for rank in self.ranks], crossings
        self.ranks = best

    def _sort_by_barycentre(self, index: int, side: str) -> None:
        position = {key: i for i, key in enumerate(self.ranks[index - 1 if side == "up" else index + 1])}

        def barycentre(item: tuple[int, str]) -> float:
            around = [position[key] for key, _ in self.neighbours(item[1], side)]
            return sum(around) / len(around) if around else float(item[0])

        self.ranks[index] = [key for _, key in sorted(enumerate(self.ranks[index]), key=barycentre)]

    def _transpose(self) -> None:
        """Swap neighbours in a rank while that removes crossings with the ranks around."""
        position = {key: i for rank in self.ranks for i, key in enumerate(rank)}

        def crossings(left: str, right: str) -> int:
            return sum(
                1
                for side in ("up", "down")
                for a, _ in self.neighbours(left, side)
                for b, _ in self.neighbours(right, side)
                if position[a] > position[b]
            )

        for _ in range(len(self.ranks)):
            swapped = False
            for rank in self.ranks:
                for i in range(len(rank) - 1):
                    left, right = rank[i], rank[i + 1]
                    if crossings(right, left) < crossings(left, right):
                        rank[i], rank[i + 1] = right, left
                        position[left], position[right] = i + 1, i
                        swapped = True
            if not swapped:
                return

    def _crossings(self) -> int:
        position = {key: i for rank in self.ranks for i, key in enumerate(rank)}
        by_rank: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for link in self.links:
            by_rank[self.nodes[link.upper].rank].append((position[link.upper], position[link.lower]))
        total = 0
        for pairs in by_rank.values():
            pairs.sort()
            for i, (a, b) in enumerate(pairs):
                total += sum(1 for c, d in pairs[i + 1 :] if c > a and d < b)
        return total

    def _place_x(self) -> None:
        """Alternate sweeps pulling each node toward its neighbours' weighted mean x."""
        for rank in self.ranks:
            self._pack(rank, [0.0] * len(rank), [1.0] * len(rank))
        sides = ["up", "down"] * _PLACE_SWEEPS + ["both"]
        for sweep, side in enumerate(sides):
            order = self.ranks if sweep % 2 == 0 else self.ranks[::-1]
            for rank in order:
                desired, weights = [], []
                for key in rank:
                    around = (
                        self.neighbours(key, "up") + self.neighbours(key, "down")
                        if side == "both"
                        else self.neighbours(key, side)
                    )
                    total = sum(weight for _, weight in around)
                    if total:
                        desired.append(sum(self.nodes[k].x * weight for k, weight in around) / total)
                        weights.append(total)
                    else:
                        desired.append(self.nodes[key].x)
                        weights.append(0.5)
                self._pack(rank, desired, weights)
        left = min(node.x - node.width / 2 for node in self.nodes.values())
        for node in self.nodes.values():
            node.x += _MARGIN - left

    def _pack(self, rank: list[str], desired: list[float], weights: list[float]) -> None:
        """Closest positions to `desired` that keep order and gaps (pool adjacent violators)."""
        offsets = [0.0]
        for a, b in zip(rank, rank[1:], strict=False):
            left, right = self.nodes[a], self.nodes[b]
            offsets.append(offsets[-1] + (left.width + right.width) / 2 + _GAP[_pair(left.spacing, right.spacing)])
        blocks: list[list[float]] = []  # [weighted sum, weight, count]
        for want, offset, weight in zip(desired, offsets, weights, strict=True):
            blocks.append([(want - offset) * weight, weight, 1])
            while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
                total, weight_sum, count = blocks.pop()
                blocks[-1][0] += total
                blocks[-1][1] += weight_sum
                blocks[-1][2] += count
        index = 0
        for total, weight_sum, count in blocks:
            for _ in range(int(count)):
                self.nodes[rank[index]].x = total / weight_sum + offsets[index]
                index += 1

    def _place_y(self) -> None:
        top = _MARGIN + _START_SPACE
        for rank in self.ranks:
            height = max(self.nodes[key].height for key in rank)
            self.band.append((top, top + height))
            for key in rank:
                self.nodes[key].y = top + height / 2
            top += height + _RANK_GAP

    def _place_ports(self) -> None:
        """Where links meet a box: spread in the order of their far ends, the spine link centred."""
        attached: dict[tuple[str, str], list[tuple[float, int, _Link]]] = defaultdict(list)
        for index, link in enumerate(self.links):
            attached[link.upper, "bottom"].append((self.nodes[link.lower].x, index, link))
            attached[link.lower, "top"].append((self.nodes[link.upper].x, index, link))
        for (key, side), entries in attached.items():
            node, links = self.nodes[key], [link for _, _, link in sorted(entries)]
            if node.kind == "dummy" or len(links) == 1:
                self.ports.update(((link, side), node.x) for link in links)
                continue
            step = min(_PORT_STEP, (node.width - 24) / (len(links) - 1))
            centred = [i for i, link in enumerate(links) if (link.upper, link.lower) in self.spine]
            first = node.x - (centred[0] if centred else (len(links) - 1) / 2) * step
            first = max(first, node.x - node.width / 2 + 12)
            first = min(first, node.x + node.width / 2 - 12 - step * (len(links) - 1))
            self.ports.update(((link, side), first + step * i) for i, link in enumerate(links))

    @property
    def size(self) -> tuple[float, float]:
        right = max(node.x + node.width / 2 for node in self.nodes.values())
        return right + _MARGIN, self.band[-1][1] + _MARGIN


def _groups(workflow: Workflow) -> list[_Group]:
    """Transitions merged by (action, label, target, condition, automatic, direction)."""
    back = _back_edges(workflow)
    merged: dict[tuple[str, str, str, str | None, bool, bool], list[str]] = {}
    for transition in workflow.transitions:
        for source in transition.sources:
            key = (
                transition.action,
                transition.label,
                transition.target,
                transition.when,
                transition.automatic,
                (source, transition.target) in back,
            )
            sources = merged.setdefault(key, [])
            if source not in sources:
                sources.append(source)
    return [
        _Group(f"t{index}", action, label, target, when, automatic, is_back, tuple(sources))
        for index, ((action, label, target, when, automatic, is_back), sources) in enumerate(merged.items())
    ]


def _back_edges(workflow: Workflow) -> set[tuple[str, str]]:
    """Edges that close a cycle, found by a depth-first search from the initial state."""
    successors: dict[str, list[str]] = defaultdict(list)
    for transition in workflow.transitions:
        for source in transition.sources:
            successors[source].append(transition.target)
    status: dict[str, str] = {}
    back: set[tuple[str, str]] = set()
    for root in [workflow.initial, *workflow.states]:
        if root in status:
            continue
        status[root] = "open"
        stack = [(root, iter(successors[root]))]
        while stack:
            key, remaining = stack[-1]
            for successor in remaining:
                if status.get(successor) == "open":
                    back.add((key, successor))
                elif successor not in status:
                    status[successor] = "open"
                    stack.append((successor, iter(successors[successor])))
                    break
            else:
                status[key] = "done"
                stack.pop()
    return back


class _Drawing:
    """Turns a layout into SVG elements; ElementTree escapes every text and attribute."""

    def __init__(self, workflow: Workflow, layout: _Layout, current: str | None, title: str) -> None:
        self.workflow, self.layout, self.current, self.title = workflow, layout, current, _clean(title)
        fingerprint = repr(
            (title, current, layout.groups, [(s.key, s.label, s.final) for s in workflow.states.values()])
        )
        self.prefix = "wf" + hashlib.sha256(fingerprint.encode()).hexdigest()[:8]

    def svg(self) -> str:
        width, height = self.layout.size
        root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "viewBox": f"0 0 {_n(width)} {_n(height)}",
                "width": _n(width),
                "height": _n(height),
                "role": "img",
                "aria-labelledby": f"{self.prefix}-title {self.prefix}-desc",
                "class": "workflow-diagram",
            },
        )
        ET.SubElement(root, "title", id=f"{self.prefix}-title").text = self.title
        ET.SubElement(root, "desc", id=f"{self.prefix}-desc").text = self._description()
        ET.SubElement(root, "style").text = _STYLE
        defs = ET.SubElement(root, "defs")
        for name in ("arrowhead", "back-arrowhead"):
            marker = ET.SubElement(
                defs,
                "marker",
                {
                    "id": f"{self.prefix}-{name}",
                    "viewBox": "0 0 10 10",
                    "refX": "10",
                    "refY": "5",
                    "markerWidth": "7",
                    "markerHeight": "7",
                    "markerUnits": "userSpaceOnUse",
                    "orient": "auto",
                },
            )
            ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "class": name})
        for group in self.layout.groups:
            self._transition(root, group)
        self._initial(root)
        for state in self.workflow.states:
            self._state(root, state)
        return ET.tostring(root, encoding="unicode")

    def _description(self) -> str:
        states = self.workflow.states
        names = []
        for state in states.values():
            marks = [
                word for word, on in (("initial", state.key == self.workflow.initial), ("final", state.final)) if on
            ]
            names.append(state.label + (f" ({', '.join(marks)})" if marks else ""))
        steps = []
        for group in self.layout.groups:
            sources = ", ".join(states[source].label for source in group.sources)
            step = f"{group.label} from {sources} to {states[group.target].label}"
            step += (f" when {group.when}" if group.when else "") + (" (automatic)" if group.automatic else "")
            steps.append(step)
        text = f"{self.title}. States: {'; '.join(names)}. Transitions: {'; '.join(steps)}."
        if self.current is not None:
            text += f" Current state: {states[self.current].label}."
        return _clean(text)

    def _state(self, parent: ET.Element, key: str) -> None:
        state, node = self.workflow.states[key], self.layout.nodes[key]
        classes = ["state"] + (["final"] if state.final else []) + (["current"] if key == self.current else [])
        group = ET.SubElement(parent, "g", {"class": " ".join(classes), "data-state": key})
        ET.SubElement(group, "title").text = _clean(f"{state.label} ({key})" + (" — final" if state.final else ""))
        left, top = node.x - node.width / 2, node.y - node.height / 2
        ET.SubElement(group, "rect", _box(left, top, node.width, node.height, 8, "box"))
        if state.final:
            ET.SubElement(group, "rect", _box(left + 3.5, top + 3.5, node.width - 7, node.height - 7, 5, "inner"))
        text = ET.SubElement(group, "text", {"class": "name", "text-anchor": "middle"})
        for index, line in enumerate(node.lines):
            ET.SubElement(text, "tspan", x=_n(node.x), y=_n(top + 19 + 16 * index)).text = _clean(line)
        key_y = top + 19 + 16 * len(node.lines)
        ET.SubElement(
            group, "text", {"class": "key", "x": _n(node.x), "y": _n(key_y), "text-anchor": "middle"}
        ).text = _clean(key)

    def _initial(self, parent: ET.Element) -> None:
        node = self.layout.nodes[self.workflow.initial]
        top = node.y - node.height / 2
        group = ET.SubElement(parent, "g", {"class": "initial"})
        ET.SubElement(group, "title").text = "Start"
        ET.SubElement(group, "circle", cx=_n(node.x), cy=_n(top - _START_SPACE + 6), r="6")
        path = f"M{_n(node.x)},{_n(top - _START_SPACE + 12)} L{_n(node.x)},{_n(top)}"
        ET.SubElement(group, "path", {"class": "edge", "d": path, "marker-end": self._marker(False)})

    def _marker(self, back: bool) -> str:
        return f"url(#{self.prefix}-{'back-arrowhead' if back else 'arrowhead'})"

    def _transition(self, parent: ET.Element, group: _Group) -> None:
        classes = ["transition"] + (["auto"] if group.automatic else []) + (["back"] if group.back else [])
        element = ET.SubElement(
            parent,
            "g",
            {
                "class": " ".join(classes),
                "data-action": group.action,
                "data-target": group.target,
                "data-sources": " ".join(group.sources),
            },
        )
        ET.SubElement(element, "title").text = _clean(self._tooltip(group))
        plain: list[str] = []
        arrows: list[str] = []
        degree = Counter[str]()
        for link in self.layout.links:
            if link.group == group.node:
                (arrows if link.arrow else plain).append(self._curve(link))
                degree.update((link.upper, link.lower))
        if plain:
            ET.SubElement(element, "path", {"class": "edge", "d": " ".join(plain)})
        for d in arrows:
            ET.SubElement(element, "path", {"class": "edge", "d": d, "marker-end": self._marker(group.back)})
        for key, links in degree.items():
            if links > 2 and self.layout.nodes[key].kind == "dummy":
                dummy = self.layout.nodes[key]
                ET.SubElement(element, "circle", {"class": "junction", "cx": _n(dummy.x), "cy": _n(dummy.y), "r": "3"})
        node = self.layout.nodes[group.node]
        label = ET.SubElement(element, "g", {"class": "label"})
        left, top = node.x - node.width / 2, node.y - node.height / 2
        ET.SubElement(label, "rect", _box(left, top, node.width, node.height, 4, "bg"))
        for index, line in enumerate(node.lines):
            attributes = {"class": "condition" if index else "text", "x": _n(node.x), "y": _n(top + 16 + 15 * index)}
            ET.SubElement(label, "text", {**attributes, "text-anchor": "middle"}).text = _clean(line)

    def _tooltip(self, group: _Group) -> str:
        states = self.workflow.states
        sources = ", ".join(states[source].label for source in group.sources)
        text = f"{group.label} ({group.action}): {sources} → {states[group.target].label}"
        if group.when:
            text += f" when {group.when}"
        return text + (" — automatic" if group.automatic else "")

    def _curve(self, link: _Link) -> str:
        """Straight through the rank bands, a vertical-tangent Bézier across the gap between them."""
        upper, lower = self.layout.nodes[link.upper], self.layout.nodes[link.lower]
        x1, x2 = self.layout.ports[link, "bottom"], self.layout.ports[link, "top"]
        band_bottom = self.layout.band[upper.rank][1]
        band_top = self.layout.band[lower.rank][0]
        y1 = upper.y + upper.height / 2
        y2 = lower.y - lower.height / 2
        middle = (band_bottom + band_top) / 2
        points = [(x1, y1), (x1, band_bottom), (x2, band_top), (x2, y2)]
        if link.arrow == "up":
            points.reverse()
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
        return (
            f"M{_n(ax)},{_n(ay)} L{_n(bx)},{_n(by)} "
            f"C{_n(bx)},{_n(middle)} {_n(cx)},{_n(middle)} {_n(cx)},{_n(cy)} L{_n(dx)},{_n(dy)}"
        )


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if (a, b) in _GAP else (b, a)


def _label_line(group: _Group) -> str:
    return group.label + (" (auto)" if group.automatic else "")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CONDITION_CHARS else text[: _CONDITION_CHARS - 1].rstrip() + "…"


def _text_px(text: str, kind: str) -> float:
    """Estimated width: wide (East Asian) characters count double."""
    units = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return units * _CHAR_PX[kind]


def _clean(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all (ElementTree escapes the rest)."""
    return _NOT_XML.sub("", text)


def _box(left: float, top: float, width: float, height: float, radius: float, css: str) -> dict[str, str]:
    return {
        "class": css,
        "x": _n(left),
        "y": _n(top),
        "width": _n(width),
        "height": _n(height),
        "rx": _n(radius),
    }


def _n(value: float) -> str:
    """Coordinates with one decimal, no trailing zeros, no negative zero: stable bytes."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
