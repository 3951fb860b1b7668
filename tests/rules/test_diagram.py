import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rules.definitions import parse_workflow
from rules.diagram import render_svg

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "ui-schemas").glob("*/workflow.json"))
NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def groups(root: ET.Element, css: str) -> list[ET.Element]:
    return [element for element in root.iter(f"{SVG}g") if css in classes(element)]


def state_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {element.get("data-state"): element for element in groups(root, "state")}


def rect_of(element: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(element.get(name)) for name in ("x", "y", "width", "height"))


def boxes(root: ET.Element) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every state box and transition label box, named for failure messages."""
    found = [(f"state {key}", rect_of(group.find("svg:rect", NS))) for key, group in state_groups(root).items()]
    for group in groups(root, "transition"):
        label = next(element for element in group.iter(f"{SVG}g") if "label" in classes(element))
        found.append((f"label of {group.get('data-action')}", rect_of(label.find("svg:rect", NS))))
    return found


def overlapping(root: ET.Element) -> list[tuple[str, str]]:
    return [
        (name_a, name_b)
        for (name_a, (xa, ya, wa, ha)), (name_b, (xb, yb, wb, hb)) in itertools.combinations(boxes(root), 2)
        if xa < xb + wb and xb < xa + wa and ya < yb + hb and yb < ya + ha
    ]


def outside_viewbox(root: ET.Element) -> list[str]:
    left, top, width, height = (float(value) for value in root.get("viewBox").split())
    return [
        name
        for name, (x, y, w, h) in boxes(root)
        if x < left or y < top or x + w > left + width or y + h > top + height
    ]


def texts(element: ET.Element) -> str:
    return " ".join("".join(part.itertext()) for part in element.iter() if part.tag in (f"{SVG}text", f"{SVG}title"))


def triples(workflow) -> set[tuple[str, str, str]]:
    return {(t.action, source, t.target) for t in workflow.transitions for source in t.sources}


def drawn_triples(root: ET.Element) -> set[tuple[str, str, str]]:
    return {
        (group.get("data-action"), source, group.get("data-target"))
        for group in groups(root, "transition")
        for source in group.get("data-sources").split()
    }


def arrow_tip(group: ET.Element) -> tuple[float, float]:
    arrow = next(path for path in group.iter(f"{SVG}path") if path.get("marker-end"))
    x, y = re.findall(r"-?\d+(?:\.\d+)?", arrow.get("d"))[-2:]
    return float(x), float(y)


def load(path: Path):
    return parse_workflow(json.loads(path.read_text(encoding="utf-8")))


def small_workflow(**labels):
    """Two states and a final one; keyword arguments override labels."""
    return parse_workflow(
        {
            "initial": "draft",
            "states": {
                "draft": {"label": labels.get("draft", "Draft")},
                "review": {"label": labels.get("review", "Review")},
                "done": {"label": labels.get("done", "Done"), "final": True},
            },
            "transitions": [
                {"action": "submit", "label": labels.get("submit", "Submit"), "from": "draft", "to": "review"},
                {"action": "accept", "from": "review", "to": "done", "when": labels.get("when", "amount < 10")},
            ],
        }
    )


def test_purchase_request_diagram_is_a_standalone_accessible_svg(workflow):
    root = parse(render_svg(workflow, title="Purchase request"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert len(root.get("viewBox").split()) == 4
    assert root.find("svg:title", NS).text == "Purchase request"
    description = root.find("svg:desc", NS).text
    assert "Draft (initial)" in description and "Closed (final)" in description
    assert "Submit from Draft to Service review" in description
    label_ids = root.get("aria-labelledby").split()
    assert [element.get("id") for element in root.findall("svg:title", NS) + root.findall("svg:desc", NS)] == label_ids
    assert ".current" in root.find("svg:style", NS).text


def test_each_state_is_one_group_with_its_key(workflow):
    root = parse(render_svg(workflow))

    states = state_groups(root)

    assert list(states) == list(workflow.states)
    assert len(groups(root, "state")) == 9
    for key, group in states.items():
        assert workflow.states[key].label in texts(group)


def test_each_transition_of_purchase_request_is_one_group_covering_all_its_sources(workflow):
    root = parse(render_svg(workflow))

    drawn = groups(root, "transition")

    assert [group.get("data-action") for group in drawn] == [t.action for t in workflow.transitions]
    assert drawn_triples(root) == triples(workflow)
    reject = next(group for group in drawn if group.get("data-action") == "reject")
    assert reject.get("data-sources") == "service_review daf_review dg_review"
    assert [text.text for text in reject.iter(f"{SVG}text")] == ["Reject"]


def test_transitions_with_same_action_and_target_from_several_states_share_one_label():
    workflow = parse_workflow(
        {
            "initial": "a",
            "states": {"a": {}, "b": {}, "no": {"final": True}, "yes": {"final": True}},
            "transitions": [
                {"action": "next", "from": "a", "to": "b"},
                {"action": "refuse", "from": "a", "to": "no"},
                {"action": "refuse", "from": "b", "to": "no"},
                {"action": "accept", "from": "b", "to": "yes"},
            ],
        }
    )
    root = parse(render_svg(workflow))

    refuse = [group for group in groups(root, "transition") if group.get("data-action") == "refuse"]

    assert len(refuse) == 1
    assert refuse[0].get("data-sources") == "a b"
    assert drawn_triples(root) == triples(workflow)


def test_current_state_alone_has_class_current(workflow):
    root = parse(render_svg(workflow, current="daf_review"))

    current = [key for key, group in state_groups(root).items() if "current" in classes(group)]

    assert current == ["daf_review"]
    assert "Current state: Finance director review." in root.find("svg:desc", NS).text


def test_no_state_is_current_when_none_is_given(workflow):
    root = parse(render_svg(workflow))

    assert not any("current" in classes(group) for group in groups(root, "state"))


def test_unknown_current_state_is_refused_naming_the_states(workflow):
    with pytest.raises(ValueError, match="'archived' is not a state.*draft, service_review"):
        render_svg(workflow, current="archived")


def test_final_states_have_class_final_and_a_double_border(workflow):
    root = parse(render_svg(workflow))

    for key, group in state_groups(root).items():
        rects = group.findall("svg:rect", NS)
        if workflow.states[key].final:
            assert "final" in classes(group) and len(rects) == 2, key
        else:
            assert "final" not in classes(group) and len(rects) == 1, key
    assert {key for key, group in state_groups(root).items() if "final" in classes(group)} == {
        "closed",
        "rejected",
        "withdrawn",
    }


def test_initial_state_has_a_start_dot_with_an_arrow_onto_its_top(workflow):
    root = parse(render_svg(workflow))
    x, y, width, _ = rect_of(state_groups(root)["draft"].find("svg:rect", NS))

    start = groups(root, "initial")[0]
    dot = start.find("svg:circle", NS)

    assert float(dot.get("cy")) < y
    assert float(dot.get("cx")) == pytest.approx(x + width / 2, abs=0.1)
    assert arrow_tip(start) == pytest.approx((x + width / 2, y), abs=0.1)


def test_every_arrow_ends_on_the_border_of_its_target_box(workflow):
    root = parse(render_svg(workflow))
    states = state_groups(root)

    for group in groups(root, "transition"):
        x, y, width, height = rect_of(states[group.get("data-target")].find("svg:rect", NS))
        tip_x, tip_y = arrow_tip(group)
        expected_y = y + height if "back" in classes(group) else y
        assert x <= tip_x <= x + width, group.get("data-action")
        assert tip_y == pytest.approx(expected_y, abs=0.1), group.get("data-action")


def test_return_for_changes_is_a_back_edge_pointing_up_to_draft(workflow):
    root = parse(render_svg(workflow))

    back = [group for group in groups(root, "transition") if "back" in classes(group)]

    assert [group.get("data-action") for group in back] == ["return_for_changes"]


def test_every_condition_is_on_its_edge_in_brackets_and_whole_in_its_tooltip(workflow):
    root = parse(render_svg(workflow))
    drawn = groups(root, "transition")

    for transition, group in zip(workflow.transitions, drawn, strict=True):
        if transition.when:
            assert f"[{transition.when}]" in texts(group)
            assert transition.when in group.find("svg:title", NS).text


def test_long_condition_is_shortened_with_an_ellipsis_and_whole_in_the_tooltip():
    condition = "size(lines) > 0 && lines.all(l, l.quantity > 0 && l.unit_price < params.max_price)"
    root = parse(render_svg(small_workflow(when=condition)))

    accept = next(group for group in groups(root, "transition") if group.get("data-action") == "accept")
    shown = next(text.text for text in accept.iter(f"{SVG}text") if "condition" in classes(text))

    assert shown.startswith("[size(lines) > 0") and shown.endswith("…]")
    assert len(shown) < len(condition)
    assert condition in accept.find("svg:title", NS).text


def test_automatic_transition_is_dashed_and_says_auto(workflow):
    root = parse(render_svg(workflow))

    automatic = [group for group in groups(root, "transition") if "auto" in classes(group)]

    assert [group.get("data-action") for group in automatic] == ["auto_approve"]
    assert "Approved automatically (auto)" in texts(automatic[0])
    assert re.search(r"\.transition\.auto \.edge\{[^}]*stroke-dasharray", root.find("svg:style", NS).text)


def test_labels_and_title_from_users_are_escaped():
    workflow = small_workflow(review="<script>alert(1)</script> & co", submit="Send <b>now</b>")

    svg = render_svg(workflow, title='Orders <&> "quotes"')
    root = parse(svg)

    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    assert not list(root.iter(f"{SVG}script"))
    assert "<script>alert(1)</script> & co" in texts(state_groups(root)["review"])
    assert root.find("svg:title", NS).text == 'Orders <&> "quotes"'


def test_control_characters_in_labels_are_dropped_so_the_xml_stays_well_formed():
    svg = render_svg(small_workflow(review="Review\x00\x07 step\x1b"))

    assert "Review step" in texts(state_groups(parse(svg))["review"])


def test_long_state_labels_wrap_and_stay_whole_in_the_tooltip():
    label = "A very long state label that keeps going and going, well beyond any width a box could reasonably have"
    root = parse(render_svg(small_workflow(review=label)))

    review = state_groups(root)["review"]
    lines = [tspan.text for tspan in review.iter(f"{SVG}tspan")]

    assert len(lines) == 3 and lines[-1].endswith("…")
    assert label in review.find("svg:title", NS).text


def test_no_two_boxes_of_purchase_request_overlap(workflow):
    root = parse(render_svg(workflow, current="service_review"))

    assert overlapping(root) == []


def test_every_box_of_purchase_request_lies_within_the_viewbox(workflow):
    root = parse(render_svg(workflow))

    assert outside_viewbox(root) == []


def test_main_path_of_purchase_request_is_a_straight_column(workflow):
    root = parse(render_svg(workflow))
    states = state_groups(root)

    centres = {
        key: rect_of(states[key].find("svg:rect", NS))[0] + rect_of(states[key].find("svg:rect", NS))[2] / 2
        for key in ("draft", "service_review", "daf_review", "dg_review", "approved", "ordered", "closed")
    }
    tops = [rect_of(states[key].find("svg:rect", NS))[1] for key in centres]

    assert max(centres.values()) - min(centres.values()) < 1
    assert tops == sorted(tops)


def test_same_workflow_gives_the_same_bytes(workflow, raw):
    first = render_svg(workflow, current="approved", title="Purchase request")

    assert render_svg(workflow, current="approved", title="Purchase request") == first
    assert render_svg(parse_workflow(raw), current="approved", title="Purchase request") == first


def test_same_workflow_gives_the_same_bytes_across_processes_with_different_hash_seeds():
    script = (
        "import json, sys; from rules.definitions import parse_workflow; from rules.diagram import render_svg; "
        "raw = json.load(open('ui-schemas/purchase_request/workflow.json')); "
        "sys.stdout.write(render_svg(parse_workflow(raw), current='draft'))"
    )

    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }

    assert len(outputs) == 1


def test_purchase_request_renders_in_milliseconds(workflow):
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        render_svg(workflow, current="draft")
        timings.append(time.perf_counter() - start)

    assert min(timings) < 0.05


@pytest.mark.parametrize("path", TEMPLATES, ids=[path.parent.name for path in TEMPLATES])
def test_every_template_renders_every_state_and_transition_without_overlap(path):
    workflow = load(path)

    root = parse(render_svg(workflow, current=workflow.initial, title=path.parent.name))

    assert list(state_groups(root)) == list(workflow.states)
    assert drawn_triples(root) == triples(workflow)
    assert overlapping(root) == []
    assert outside_viewbox(root) == []


def test_self_loops_and_unreachable_states_are_drawn():
    workflow = parse_workflow(
        {
            "initial": "open",
            "states": {"open": {}, "orphan": {}, "closed": {"final": True}},
            "transitions": [
                {"action": "comment", "from": "open", "to": "open"},
                {"action": "close", "from": ["open", "orphan"], "to": "closed"},
            ],
        }
    )

    root = parse(render_svg(workflow))

    assert list(state_groups(root)) == ["open", "orphan", "closed"]
    comment = next(group for group in groups(root, "transition") if group.get("data-action") == "comment")
    assert "back" in classes(comment)
    assert overlapping(root) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_cyclic_workflows_render_without_overlap(seed):
    rng = random.Random(seed)
    count = rng.randrange(3, 12)
    states = {f"s{index}": {"label": "State " * rng.randrange(1, 4) + str(index)} for index in range(count)}
    transitions = [
        {
            "action": f"go_{index}",
            "from": sorted({f"s{rng.randrange(count)}" for _ in range(rng.randrange(1, 3))}),
            "to": f"s{rng.randrange(count)}",
            **({"when": "amount > 10"} if rng.random() < 0.3 else {}),
        }
        for index in range(rng.randrange(count, 3 * count))
    ]
    workflow = parse_workflow({"initial": "s0", "states": states, "transitions": transitions})

    root = parse(render_svg(workflow))

    assert drawn_triples(root) == triples(workflow)
    assert overlapping(root) == []
    assert outside_viewbox(root) == []
