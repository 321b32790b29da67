"""A development's surveys as a chart drawn on the server (SVG, no script):
the price range of each filed survey form (lowest to highest yuan per m²) as
a bar at its visit, the middle of the range joined by a line, and the sales
status as the colour of the point."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .models_property import PropertySurvey

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36  # room for the axes' labels
GRID = 4  # horizontal lines of the price axis

# The sales status's colour, shared with the legend under the chart.
STATUS_COLOURS = {
    PropertySurvey.SalesStatus.NOT_ON_SALE: "#6c757d",
    PropertySurvey.SalesStatus.HOT: "#dc3545",
    PropertySurvey.SalesStatus.STEADY: "#0d6efd",
    PropertySurvey.SalesStatus.SLOW: "#fd7e14",
    PropertySurvey.SalesStatus.SOLD_OUT: "#198754",
}


def charted(surveys: Sequence[PropertySurvey]) -> list[PropertySurvey]:
    """The surveys the chart shows: filed ones, with a visit and both prices, by visit."""
    shown = [
        s for s in surveys if s.visit_date and s.price_min is not None and s.price_max is not None
    ]
    return sorted(shown, key=lambda s: (s.visit_date, s.pk))


def _price(value: Decimal) -> str:
    return f"{value:,.0f}"


def legend() -> list[tuple[str, str]]:
    """(colour, label) of each sales status, in the choices' order."""
    return [(STATUS_COLOURS[value], label) for value, label in PropertySurvey.SalesStatus.choices]


def survey_chart(surveys: Sequence[PropertySurvey]) -> SafeString:
    """The chart as an inline SVG element; empty when no survey form is filed."""
    points = charted(surveys)
    if not points:
        return mark_safe("")
    low = min(s.price_min for s in points)
    high = max(s.price_max for s in points)
    if high == low:
        low, high = low * Decimal("0.9"), high * Decimal("1.1")
    span = high - low
    low, high = max(Decimal(0), low - span / 10), high + span / 10
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> float:
        return round(TOP + float((high - value) / (high - low)) * plot_h, 1)

    step = plot_w / len(points)

    def x(i: int) -> float:
        return round(LEFT + step * (i + 0.5), 1)

    grid = []
    for n in range(GRID + 1):
        value = low + (high - low) * n / GRID
        grid.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dee2e6"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#6c757d">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(value),
                y(value),
                LEFT - 6,
                y(value) + 4,
                _price(value),
            )
        )
    line = " ".join(f"{x(i)},{y(s.price_mid)}" for i, s in enumerate(points))
    # Dates under every point while they fit, else under every few.
    label_every = max(1, round(len(points) / 8))
    marks = []
    for i, s in enumerate(points):
        colour = STATUS_COLOURS.get(s.sales_status, "#6c757d")
        title = gettext("%(date)s: %(low)s–%(high)s yuan/m², %(status)s") % {
            "date": s.visit_date.isoformat(),
            "low": _price(s.price_min),
            "high": _price(s.price_max),
            "status": s.get_sales_status_display() or "—",
        }
        marks.append(
            format_html(
                '<g data-survey="{}"><title>{}</title>'
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="6" '
                'stroke-linecap="round" opacity="0.35"/>'
                '<circle cx="{}" cy="{}" r="5" fill="{}"/></g>',
                s.reference,
                title,
                x(i),
                x(i),
                y(s.price_min),
                y(s.price_max),
                colour,
                x(i),
                y(s.price_mid),
                colour,
            )
        )
        if i % label_every == 0:
            marks.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" '
                    'fill="#495057">{}</text>',
                    x(i),
                    HEIGHT - BOTTOM + 16,
                    s.visit_date.strftime("%Y-%m"),
                )
            )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" class="survey-chart" width="100%">'
        '{}<polyline points="{}" fill="none" stroke="#212529" stroke-width="1.5"/>{}</svg>',
        WIDTH,
        HEIGHT,
        gettext("Price per m² and sales status at each survey"),
        format_html_join("", "{}", ((g,) for g in grid)),
        line,
        format_html_join("", "{}", ((m,) for m in marks)),
    )
