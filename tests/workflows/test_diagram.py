"""Tests for the pure-Python SVG state diagram renderer."""

import re
import xml.etree.ElementTree as ET

from workflows.diagram import Edge, render_state_diagram

SVG = "{http://www.w3.org/2000/svg}"

STATES = [
    ("draft", "草稿"),
    ("submitted", "已提交"),
    ("review", "部门审核"),
    ("rework", "退回修改"),
    ("approved", "已批准"),
    ("rejected", "已驳回"),
    ("legacy", "旧状态"),  # no transition leads here
]
EDGES = [
    Edge("draft", "submitted", "提交"),
    Edge("submitted", "review", "开始审核"),
    Edge("review", "rework", "退回"),
    Edge("rework", "submitted", "重新提交"),
    Edge("review", "approved", "批准"),
    Edge("review", "rejected", "驳回"),
    Edge("approved", "approved", "更新备注"),
]


def render(**kwargs) -> ET.Element:
    kwargs.setdefault("states", STATES)
    kwargs.setdefault("edges", EDGES)
    return ET.fromstring(render_state_diagram(**kwargs))


def state_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "data-state" in g.attrib]


def edge_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "data-source" in g.attrib]


def edge_group(root: ET.Element, source: str, target: str) -> ET.Element:
    (group,) = [
        g
        for g in edge_groups(root)
        if (g.get("data-source"), g.get("data-target")) == (source, target)
    ]
    return group


def box(group: ET.Element) -> tuple[float, float, float, float]:
    rect = group.find(f"{SVG}rect")
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))


def test_root_is_a_scalable_accessible_svg():
    root = render()
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("role") == "img"
    assert root.get("aria-label") == "State diagram"
    assert root.get("class") == "workflow-diagram"
    assert len(root.get("viewBox").split()) == 4
    assert len(root.findall(f"{SVG}defs/{SVG}marker")) == 1


def test_every_state_appears_once_with_its_label():
    root = render()
    groups = state_groups(root)
    assert [g.get("data-state") for g in groups] == [code for code, _ in STATES]
    labels = {g.get("data-state"): g.find(f"{SVG}text").text for g in groups}
    assert labels == dict(STATES)


def test_only_the_current_state_is_marked_current():
    root = render(current="review")
    groups = {g.get("data-state"): g for g in state_groups(root)}
    assert groups["review"].get("aria-current") == "step"
    assert groups["review"].get("class") == "state current"
    others = [g for code, g in groups.items() if code != "review"]
    assert all(g.get("aria-current") is None and g.get("class") == "state" for g in others)
    assert box(groups["review"])[:2] != box(others[0])[:2]
    assert groups["review"].find(f"{SVG}rect").get("fill") == "#0d6efd"


def test_no_state_is_current_without_current():
    root = render()
    assert all(g.get("aria-current") is None for g in state_groups(root))


def test_markup_in_labels_and_codes_is_escaped():
    states = [("a&b", "<script>alert(1)</script>"), ('q"x', "A & B 审核")]
    edges = [Edge("a&b", 'q"x', "<b>送审</b> & go"), Edge('q"x', "a&b", "退回 <")]
    svg = render_state_diagram(states, edges, current='q"x')
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = ET.fromstring(svg)
    groups = {g.get("data-state"): g for g in state_groups(root)}
    assert set(groups) == {"a&b", 'q"x'}
    assert groups["a&b"].find(f"{SVG}text").text == "<script>alert(1)</script>"
    assert groups['q"x'].find(f"{SVG}text").text == "A & B 审核"
    forward = edge_group(root, "a&b", 'q"x')
    assert forward.find(f"{SVG}text").text == "<b>送审</b> & go"
    assert (
        forward.find(f"{SVG}title").text
        == "<script>alert(1)</script> → A & B 审核: <b>送审</b> & go"
    )


def test_edge_has_a_hover_title_and_label():
    root = render()
    group = edge_group(root, "review", "rework")
    assert group.find(f"{SVG}title").text == "部门审核 → 退回修改: 退回"
    assert group.find(f"{SVG}text").text == "退回"
    marker_id = root.find(f"{SVG}defs/{SVG}marker").get("id")
    assert group.find(f"{SVG}path").get("marker-end") == f"url(#{marker_id})"


def test_back_edge_is_dashed_and_goes_round_the_boxes():
    root = render()
    back = edge_group(root, "rework", "submitted")
    forward = edge_group(root, "submitted", "review")
    assert back.find(f"{SVG}path").get("stroke-dasharray")
    assert "back" in back.get("class").split()
    assert forward.find(f"{SVG}path").get("stroke-dasharray") is None
    boxes = [box(g) for g in state_groups(root)]
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", back.find(f"{SVG}path").get("d"))]
    ys = numbers[1::2]
    top, bottom = min(b[1] for b in boxes), max(b[1] + b[3] for b in boxes)
    assert max(ys) > bottom or min(ys) < top


def test_self_loop_is_drawn_above_its_box():
    root = render()
    loop = edge_group(root, "approved", "approved")
    assert loop.find(f"{SVG}title").text == "已批准 → 已批准: 更新备注"
    assert loop.find(f"{SVG}text").text == "更新备注"
    x, y, w, _ = box(next(g for g in state_groups(root) if g.get("data-state") == "approved"))
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", loop.find(f"{SVG}path").get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(ys) < y and max(ys) == y
    assert x <= min(xs) and max(xs) <= x + w + 20


def test_unreachable_state_is_drawn_in_a_last_column():
    root = render()
    groups = {g.get("data-state"): g for g in state_groups(root)}
    legacy_x = box(groups["legacy"])[0]
    assert all(box(g)[0] + box(g)[2] < legacy_x for code, g in groups.items() if code != "legacy")


def test_states_are_laid_out_left_to_right_by_distance():
    root = render()
    x = {g.get("data-state"): box(g)[0] for g in state_groups(root)}
    assert x["draft"] < x["submitted"] < x["review"] < x["rework"]
    assert x["rework"] + 20 > x["approved"] > x["review"]


def test_boxes_and_edge_labels_never_overlap():
    edges = [
        *EDGES,
        Edge("review", "approved", "加急批准"),
        Edge("approved", "review", "撤销批准"),
        Edge("rejected", "draft", "重新起草"),
        Edge("legacy", "review", "迁移"),
    ]
    root = render(edges=edges)
    rects = [box(g) for g in state_groups(root)] + [box(g) for g in edge_groups(root)]
    assert len(rects) == len(STATES) + len(edges)
    for i, (x1, y1, w1, h1) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_final_states_have_a_double_border():
    root = render(final_states={"approved", "rejected"})
    rects = {g.get("data-state"): len(g.findall(f"{SVG}rect")) for g in state_groups(root)}
    assert rects["approved"] == rects["rejected"] == 2
    assert rects["draft"] == rects["review"] == 1


def test_boxes_are_wide_enough_for_cjk_labels():
    label = "这是一个很长的中文状态名称"
    root = render(states=[("a", label), ("b", "B")], edges=[Edge("a", "b", "x")])
    width = box(state_groups(root)[0])[2]
    assert width >= 14 * len(label)


def test_labels_of_parallel_edges_do_not_overlap():
    edges = [
        Edge("a", "b", "同意"),
        Edge("a", "b", "快速同意"),
        Edge("b", "a", "退回"),
        Edge("b", "a", "撤回"),
    ]
    root = render(states=[("a", "A"), ("b", "B")], edges=edges)
    positions = [
        (float(t.get("x")), float(t.get("y")))
        for g in edge_groups(root)
        for t in g.iter(f"{SVG}text")
    ]
    assert len(positions) == 4
    for i, (x1, y1) in enumerate(positions):
        for x2, y2 in positions[i + 1 :]:
            assert abs(y1 - y2) >= 14 or abs(x1 - x2) >= 40


def test_output_is_deterministic():
    first = render_state_diagram(
        STATES, EDGES, current="review", final_states={"approved", "rejected"}
    )
    again = render_state_diagram(
        list(STATES), list(EDGES), current="review", final_states={"rejected", "approved"}
    )
    assert first == again


def test_edges_to_unknown_states_are_ignored():
    root = render(edges=[*EDGES, Edge("draft", "nowhere", "丢失")])
    assert len(edge_groups(root)) == len(EDGES)
    assert len(state_groups(root)) == len(STATES)


def test_empty_workflow_still_gives_valid_svg():
    root = ET.fromstring(render_state_diagram([], []))
    assert root.get("class") == "workflow-diagram"
    assert state_groups(root) == []
