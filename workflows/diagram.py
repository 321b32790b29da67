"""Draw a workflow's state machine as an inline SVG string, without third-party dependencies.

States are placed in columns by breadth-first distance from the initial state. Forward
transitions are solid curves between neighbouring columns; transitions back to the same or
an earlier column are dashed arcs routed in lanes above or below all boxes.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from .declarations import step_of

if TYPE_CHECKING:
    from .models import WorkflowModel

FONT, LABEL_FONT = 13, 11
BOX_H, PAD_X, MIN_W = 36, 14, 72
GAP_Y, MIN_GAP_X, LANE = 56, 64, 18
INK, EDGE_INK, CURRENT, CURRENT_INK = "#495057", "#6c757d", "#0d6efd", "#0a58ca"

Point = tuple[float, float]
# Where a process diagram wraps: about a record page's main column on a
# desktop, and a phone's screen less the card's padding.
WIDE, NARROW = 760.0, 340.0


@dataclass(frozen=True)
class Edge:
    """One transition, drawn as an arrow from ``source`` to ``target`` state code."""

    source: str
    target: str
    label: str


@dataclass
class _Box:
    col: int
    w: float
    x: float = 0.0
    y: float = 0.0
    col_l: float = 0.0  # left and right edges of the box's column
    col_r: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass
class _Route:
    """How a back edge goes round: its side, lane, and where each end ("s", "t") meets it."""

    side: str
    x: dict[str, float] = field(default_factory=dict)
    gap: dict[str, float] = field(default_factory=dict)  # x of a run down between columns
    depth: int = 0
    lane: float = 0.0


def _width(text: str, size: float = FONT) -> float:
    wide = sum(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)
    return (wide * 14 + (len(text) - wide) * 7.5) * size / FONT


def _n(v: float) -> str:
    return f"{round(v, 1) + 0.0:g}"  # + 0.0 turns -0.0 into 0.0


def _p(p: Point) -> str:
    return f"{_n(p[0])},{_n(p[1])}"


def _esc(text: object) -> str:
    # Control characters are not allowed in XML at all, escaped or not.
    return escape("".join(ch for ch in str(text) if ch.isprintable() or ch == " "))


def _rounded(points: list[Point], r: float = 12.0) -> str:
    pts = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    d = [f"M{_p(pts[0])}"]
    for (x0, y0), (x1, y1), (x2, y2) in zip(pts, pts[1:], pts[2:], strict=False):
        l1, l2 = math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)
        k = min(r, l1 / 2, l2 / 2)
        a = (x1 - (x1 - x0) * k / l1, y1 - (y1 - y0) * k / l1)
        b = (x1 + (x2 - x1) * k / l2, y1 + (y2 - y1) * k / l2)
        d.append(f"L{_p(a)} Q{_p((x1, y1))} {_p(b)}")
    d.append(f"L{_p(pts[-1])}")
    return " ".join(d)


def _place(cx: float, cy: float, w: float, taken: list, axis: str) -> Point:
    """Put a label at the first nearby spot that overlaps no box and no other label."""
    h = LABEL_FONT + 4
    for step in (0, 1, -1, 2, -2, 3, -3, 4, -4):
        dx, dy = (step * (w + 8), 0.0) if axis == "x" else (0.0, step * h)
        r = (cx + dx - w / 2 - 2, cy + dy - h / 2, cx + dx + w / 2 + 2, cy + dy + h / 2)
        if not any(r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3] for o in taken):
            break
    taken.append(r)
    return cx + dx, cy + dy


def _text(x: float, y: float, size: int, fill: str, text: str) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" dominant-baseline="central" '
        f'font-size="{size}" fill="{fill}">{_esc(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str, sw: float) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(h / 4.5)}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
    )


def _layout(labels: dict[str, str], edges: list[Edge]) -> tuple[dict[str, _Box], list[list[str]]]:
    """Put states in columns by breadth-first distance from the first; unreachable ones last."""
    codes, succ = list(labels), defaultdict(list)
    for e in edges:
        succ[e.source].append(e.target)
    layer, queue = {codes[0]: 0}, deque(codes[:1])
    while queue:
        u = queue.popleft()
        for v in succ[u]:
            if v not in layer:
                layer[v] = layer[u] + 1
                queue.append(v)
    last = max(layer.values()) + 1
    columns: list[list[str]] = [[] for _ in range(last + (len(layer) < len(codes)))]
    for c in codes:
        columns[layer.get(c, last)].append(c)
    for i in range(1, len(columns)):  # predecessors' mean position first: fewer crossings
        prev = {c: k for k, c in enumerate(columns[i - 1])}
        bary = {}
        for c in columns[i]:
            ps = [prev[e.source] for e in edges if e.target == c and e.source in prev]
            bary[c] = (sum(ps) / len(ps) if ps else len(prev), codes.index(c))
        columns[i].sort(key=bary.__getitem__)
    fw = [e for e in edges if layer.get(e.source, -2) + 1 == layer.get(e.target)]
    boxes: dict[str, _Box] = {}
    height, x = max(map(len, columns)) * (BOX_H + GAP_Y), 0.0
    for i, col in enumerate(columns):
        ws = {c: max(MIN_W, _width(labels[c]) + 2 * PAD_X) for c in col}
        cw, y = max(ws.values()), (height - len(col) * (BOX_H + GAP_Y)) / 2
        for k, c in enumerate(col):
            boxes[c] = _Box(i, ws[c], x + (cw - ws[c]) / 2, y + k * (BOX_H + GAP_Y), x, x + cw)
        gap = max((_width(e.label, LABEL_FONT) for e in fw if e.source in col), default=0)
        x += cw + max(MIN_GAP_X, gap + 28)
    return boxes, columns


def _cuts(
    spans: list[tuple[float, float]], labels: list, lo: float, hi: float, band: float
) -> list[float]:
    """Where to cut a drawing from ``lo`` to ``hi`` into bands about ``band``
    wide: only between two columns (after the arrows' labels of the gap) and
    never through a label."""

    def clear(x: float) -> bool:
        return not any(r[0] - 2 <= x <= r[2] + 2 for r in labels)

    feasible = []
    for (_l0, r0), (l1, _r1) in pairwise(spans):
        x = l1 - 4
        while x > r0 and not clear(x):
            x -= 4
        if x > r0:
            feasible.append(x)
    cuts, start, last = [lo], lo, None
    for x in feasible:
        if x - start > band and last is not None:
            cuts.append(last)
            start, last = last, None
            if x - start > band:  # one column wider than a band: a band of its own
                cuts.append(x)
                start = x
                continue
        last = x
    if hi - start > band and last is not None:
        cuts.append(last)
    cuts.append(hi)
    return cuts


def _wrapped(
    head: str, defs: str, body: str, box: tuple, cuts: list, key: str, extents: list
) -> str:
    """The drawing in bands one under the other, each a window onto it as high
    as what is drawn in it (``extents``: the bounding boxes of what was drawn)."""
    gid = f"wf-draw-{key}"
    gap = 16.0
    bands, y, width = [], 0.0, 0.0
    for a, b in pairwise(cuts):
        inside = [e for e in extents if e[0] < b and e[2] > a]
        top = min((e[1] for e in inside), default=box[1] + 8) - 8
        bottom = max((e[3] for e in inside), default=box[1] + 8) + 8
        w, h = b - a, bottom - top
        bands.append(
            f'<svg class="band" x="0" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
            f'viewBox="{_n(a)} {_n(top)} {_n(w)} {_n(h)}"><use href="#{gid}"/></svg>'
        )
        y += h + gap
        width = max(width, w)
    return (
        f'{head}width="{_n(width)}" viewBox="0 0 {_n(width)} {_n(y - gap)}">'
        f'<defs>{defs}<g id="{gid}">{body}</g></defs>{"".join(bands)}</svg>'
    )


def render_state_diagram(
    states: list[tuple[str, str]],
    edges: list[Edge],
    current: str | None = None,
    final_states: set[str] | None = None,
    title: str = "State diagram",
    wrap: float | None = None,
) -> str:
    """Return an ``<svg>`` element (a str) drawing the states and transitions.

    ``states`` are (code, label) pairs in declaration order, the first being the initial
    state; ``current`` is highlighted and ``final_states`` get a double border. The SVG
    has a viewBox and ``width="100%"``, so it scales to its container. Edges naming an
    unknown state are skipped.

    ``wrap``: a width (in the drawing's units, about pixels) past which the drawing
    wraps, like a line of text: it is cut between two columns, never through a
    label, and the bands are drawn one under the other; the SVG's ``width`` is
    then its natural width, for the page to scale down only when it must.
    """
    labels: dict[str, str] = {}
    for code, label in states:
        labels.setdefault(str(code), str(label))
    finals = {str(c) for c in final_states or ()}
    # str() also resolves lazy translations, whose repr would make the marker id vary.
    edges = [Edge(*map(str, (e.source, e.target, e.label))) for e in edges]
    edges = [e for e in edges if e.source in labels and e.target in labels]
    key = repr((sorted(labels.items()), edges, current, sorted(finals), wrap))
    arrow = "wf-arrow-" + hashlib.sha1(key.encode()).hexdigest()[:10]
    head = (
        '<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" width="100%" '
        f'role="img" aria-label="{escape(str(title))}" font-family="system-ui, sans-serif" '
    )
    if not labels:
        return head + 'viewBox="0 0 0 0"></svg>'
    boxes, columns = _layout(labels, edges)
    fwd, back, loops = [], [], []
    for j, e in enumerate(edges):
        s, t = boxes[e.source], boxes[e.target]
        (loops if s is t else fwd if t.col == s.col + 1 else back).append(j)
    top = min(b.y for b in boxes.values())
    bottom = max(b.y for b in boxes.values()) + BOX_H
    looped = Counter(edges[j].source for j in loops)  # a state's loops nest, 20 higher each
    loop_room = max([24, *(20 * n + 32 - boxes[c].y + top for c, n in looped.items())])

    def extreme(c: str, side: str) -> bool:
        return columns[boxes[c].col][0 if side == "above" else -1] == c

    # Back edges run in lanes round all boxes; a box inside a column is left sideways.
    routes: dict[int, _Route] = {}
    count: dict[object, int] = defaultdict(int)
    for j in back:
        e = edges[j]
        fits = {s: extreme(e.source, s) + extreme(e.target, s) for s in ("below", "above")}
        r = routes[j] = _Route(max(fits, key=lambda s: (fits[s], -count[s], s == "below")))
        count[r.side] += 1
        for c, role, sign in ((e.source, "s", -1), (e.target, "t", 1)):
            b = boxes[c]
            if extreme(c, r.side):
                r.x[role] = b.cx
            else:
                count[(b.col, role)] += 1
                edge_x = b.col_l if role == "s" else b.col_r
                r.x[role] = r.gap[role] = edge_x + sign * (10 + 8 * count[(b.col, role)])
    for j in sorted(routes, key=lambda j: (abs(routes[j].x["s"] - routes[j].x["t"]), j)):
        r = routes[j]  # shorter arcs nearer the boxes, so that arcs nest
        r.depth = count[(r.side, "lane")]
        count[(r.side, "lane")] += 1
        r.lane = (
            bottom + 24 + LANE * r.depth if r.side == "below" else top - loop_room - LANE * r.depth
        )

    # Spread the ends of edges sharing a box side so that they neither overlap nor cross.
    requests: dict[tuple[str, str], list] = defaultdict(list)
    for j in fwd:
        s, t = edges[j].source, edges[j].target
        requests[(s, "right")].append((boxes[t].cy, j, "s"))
        requests[(t, "left")].append((boxes[s].cy, j, "t"))
    for j, r in routes.items():
        for c, role, other in ((edges[j].source, "s", "t"), (edges[j].target, "t", "s")):
            if role in r.gap:
                requests[(c, "left" if role == "s" else "right")].append((r.lane, j, role))
            else:
                rank = (0, r.depth) if r.x[other] < r.x[role] else (1, -r.depth)
                requests[(c, r.side)].append((rank, j, role))
    port: dict[tuple[int, str], float] = {}
    for (c, flank), items in requests.items():
        b = boxes[c]
        lo, hi = b.x + 12, b.x + b.w - (44 if flank == "above" and c in looped else 12)
        if flank in ("left", "right"):
            lo, hi = b.y + 6, b.y + BOX_H - 6
        for i, (_flank_y, j, role) in enumerate(sorted(items)):
            port[(j, role)] = lo + (hi - lo) * (i + 1) / (len(items) + 1)

    taken = [(b.x - 2, b.y - 2, b.x + b.w + 2, b.y + BOX_H + 2) for b in boxes.values()]
    seen = [p for b in boxes.values() for p in ((b.x, b.y), (b.x + b.w, b.y + BOX_H))]
    extents = [(b.x, b.y, b.x + b.w, b.y + BOX_H) for b in boxes.values()]
    parts: list[str] = []

    def draw(j: int, d: str, label_at: Point, axis: str, points: list[Point]) -> None:
        e, dashed = edges[j], j in routes
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        w = _width(e.label, LABEL_FONT)
        lx, ly = _place(*label_at, w, taken, axis)
        seen.extend([*points, (lx - w / 2, ly - 9), (lx + w / 2, ly + 9)])
        spread = [*points, (lx - w / 2, ly - 9), (lx + w / 2, ly + 9)]
        px, py = [p[0] for p in spread], [p[1] for p in spread]
        extents.append((min(px), min(py), max(px), max(py)))
        title = f"{labels[e.source]} → {labels[e.target]}: {e.label}"
        parts.append(
            f'<g class="edge{" back" if dashed else ""}" data-source="{_esc(e.source)}" '
            f'data-target="{_esc(e.target)}"><title>{_esc(title)}</title><path d="{d}" '
            f'fill="none" stroke="{EDGE_INK}" stroke-width="1.5"'
            f'{dash} marker-end="url(#{arrow})"/>'
            f"{_rect(lx - w / 2 - 2, ly - 7.5, w + 4, 15, '#fff', 'none', 0)}"
            f"{_text(lx, ly, LABEL_FONT, INK, e.label)}</g>"
        )

    for j, r in routes.items():  # first, so that later labels cover their long runs
        pts: list[Point] = []
        for c, role in ((edges[j].source, "s"), (edges[j].target, "t")):
            b, at = boxes[c], port[(j, role)]
            if role in r.gap:
                gx = r.gap[role]
                leg = [(b.x if role == "s" else b.x + b.w, at), (gx, at), (gx, r.lane)]
            else:
                leg = [(at, b.y + BOX_H if r.side == "below" else b.y), (at, r.lane)]
            pts += leg if role == "s" else leg[::-1]
        mid = len(pts) // 2
        draw(j, _rounded(pts), ((pts[mid - 1][0] + pts[mid][0]) / 2, r.lane), "x", pts)
    for j in fwd:
        s, t = boxes[edges[j].source], boxes[edges[j].target]
        p1, p2 = (s.x + s.w, port[(j, "s")]), (t.x, port[(j, "t")])
        mx = (p1[0] + p2[0]) / 2
        d = f"M{_p(p1)} C{_p((mx, p1[1]))} {_p((mx, p2[1]))} {_p(p2)}"
        draw(j, d, ((s.col_r + t.col_l) / 2, (p1[1] + p2[1]) / 2), "y", [p1, p2])
    nth: dict[str, int] = defaultdict(int)
    for j in loops:
        b, k = boxes[edges[j].source], nth[edges[j].source]
        nth[edges[j].source] += 1
        h, a, z = 24 + 20 * k, b.x + b.w - 34 - 6 * k, b.x + b.w - 14 + 6 * k
        ctrl = [(a - 8, b.y - h), (z + 8, b.y - h)]
        d = f"M{_p((a, b.y))} C{_p(ctrl[0])} {_p(ctrl[1])} {_p((z, b.y))}"
        draw(j, d, ((a + z) / 2, b.y - 0.75 * h - 9), "y", ctrl)

    for c, b in boxes.items():
        on = c == current
        fill, ink, text = (CURRENT, CURRENT_INK, "#fff") if on else ("#f8f9fa", INK, "#212529")
        rect = _rect(b.x, b.y, b.w, BOX_H, fill, ink, 1.5)
        if c in finals:
            rect += _rect(b.x + 3, b.y + 3, b.w - 6, BOX_H - 6, "none", "#fff" if on else ink, 1)
        attrs = ' class="state current" aria-current="step"' if on else ' class="state"'
        parts.append(
            f'<g{attrs} data-state="{_esc(c)}">{rect}{_text(b.cx, b.cy, FONT, text, labels[c])}</g>'
        )

    xs, ys = [p[0] for p in seen], [p[1] for p in seen]
    box = (min(xs) - 8, min(ys) - 8, max(xs) - min(xs) + 16, max(ys) - min(ys) + 16)
    marker = (
        f'<marker id="{arrow}" '
        'viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{EDGE_INK}"/></marker>'
    )
    if wrap is not None and box[2] > wrap:
        spans = [(boxes[col[0]].col_l, boxes[col[0]].col_r) for col in columns]
        label_rects = taken[len(boxes) :]
        cuts = _cuts(spans, label_rects, box[0], box[0] + box[2], wrap)
        cuts[0] = box[0]
        if len(cuts) > 2:
            head = head.replace(' width="100%"', "", 1)
            key = arrow[len("wf-arrow-") :]
            return _wrapped(head, marker, "".join(parts), box, cuts, key, extents)
    return (
        f'{head}viewBox="{" ".join(_n(v) for v in box)}"><defs>{marker}'
        f"</defs>{''.join(parts)}</svg>"
    )


def _edges_of(model: type[WorkflowModel]) -> tuple[list[Edge], list[str]]:
    """The arrows of the process; a step possible from many states (cancelling)
    is named under the diagram instead of drawn as an arrow from each of them."""
    sources: dict[str, list[Any]] = {}
    for t in model.workflow_transitions():
        if t.source != "*" and t.target is not None:
            sources.setdefault(t.name, []).append(t)
    edges, notes = [], []
    for transitions in sources.values():
        label = str(step_of(transitions[0]).label)
        if len(transitions) > 3:
            target = model.state_label(transitions[0].target)
            notes.append(
                _("“%(step)s” (→ %(target)s) is possible from %(count)s states.")
                % {"step": label, "target": target, "count": len(transitions)}
            )
            continue
        edges.extend(Edge(str(t.source), str(t.target), label) for t in transitions)
    return edges, notes


def process_svg(
    model: type[WorkflowModel], current: str | None = None, wrap: float | None = None
) -> str:
    """The process's diagram as an SVG document, at its natural size."""
    states = [(str(code), str(label)) for code, label in model.state_field().flatchoices]
    edges, _notes = _edges_of(model)
    svg = render_state_diagram(
        states,
        edges,
        current=current,
        final_states={str(s) for s in model.final_states},
        title=_("State diagram: %(process)s") % {"process": model.process_label},
        wrap=wrap,
    )
    match = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg)
    if match and 'width="100%"' in svg:
        svg = svg.replace('width="100%"', f'width="{float(match[1]):.0f}"', 1)
    return svg


def process_diagram(model: type[WorkflowModel], current: str | None = None) -> str:
    """The diagram as a page shows it: wrapped like text, in bands as wide as
    a record page's column on a desktop and as a phone's screen, each drawn at
    its natural size (the page scales a band down only where it is wider than
    the screen), so that no label is cut and labels stay readable."""
    shown = [
        f'<div class="diagram-wrap {css}">{process_svg(model, current, wrap)}</div>'
        for wrap, css in ((WIDE, "d-none d-md-block"), (NARROW, "d-md-none"))
    ]
    _edges, notes = _edges_of(model)
    caption = "".join(f'<p class="small text-muted mb-0">{escape(n)}</p>' for n in notes)
    return "".join(shown) + caption
