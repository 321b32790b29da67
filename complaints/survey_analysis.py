"""The analysis of a satisfaction survey (客户满意度分析报告): per question the
mean and distribution of its scores, CSAT (the share of 4 and 5) and NPS
(the share of 9–10 less that of 0–6); the same by customer, salesperson and
segment; the trend of every question code against earlier years; the
year's complaints; and the charts, drawn here as SVG.

It reads a fixed number of queries whatever the number of customers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from workflows.roles import user_label

from .models import Complaint
from .survey import (
    LOW_SCORE,
    CampaignQuestion,
    ImprovementAction,
    QuestionKind,
    Segment,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
)

ONE = Decimal("0.1")


def chinese() -> bool:
    return translation.get_language() == "zh-hans"


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def mean(scores: list[int]) -> Decimal | None:
    """The mean to one decimal (half up), None without scores."""
    if not scores:
        return None
    return _round(Decimal(sum(scores)) / len(scores))


def csat(scores: list[int]) -> Decimal | None:
    """The share (%) of 4 and 5 among 1–5 scores."""
    if not scores:
        return None
    return _round(Decimal(100 * sum(1 for s in scores if s >= 4)) / len(scores))


def nps_parts(scores: list[int]) -> tuple[Decimal, Decimal, Decimal] | None:
    """Promoters (9–10), passives (7–8) and detractors (0–6), each in %."""
    if not scores:
        return None
    n = len(scores)
    promoters = Decimal(100 * sum(1 for s in scores if s >= 9)) / n
    detractors = Decimal(100 * sum(1 for s in scores if s <= 6)) / n
    return _round(promoters), _round(100 - promoters - detractors), _round(detractors)


def nps(scores: list[int]) -> Decimal | None:
    """% promoters less % detractors, from -100 to 100."""
    if not scores:
        return None
    n = len(scores)
    promoters = Decimal(100 * sum(1 for s in scores if s >= 9)) / n
    detractors = Decimal(100 * sum(1 for s in scores if s <= 6)) / n
    return _round(promoters - detractors)


@dataclass
class QuestionResult:
    question: CampaignQuestion
    scores: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> Decimal | None:
        return mean(self.scores)

    @property
    def csat(self) -> Decimal | None:
        return csat(self.scores) if self.question.kind == QuestionKind.SCALE else None

    @property
    def nps(self) -> Decimal | None:
        return nps(self.scores) if self.question.kind == QuestionKind.RECOMMEND else None

    @property
    def nps_parts(self) -> tuple[Decimal, Decimal, Decimal] | None:
        return nps_parts(self.scores) if self.question.kind == QuestionKind.RECOMMEND else None

    @property
    def distribution(self) -> list[tuple[int, int, Decimal]]:
        counts = defaultdict(int)
        for s in self.scores:
            counts[s] += 1
        n = len(self.scores) or 1
        return [
            (score, counts[score], _round(Decimal(100 * counts[score]) / n))
            for score in self.question.scores
        ]


@dataclass
class Group:
    """Respondents grouped (a salesperson's customers, a segment)."""

    label: str
    invited: int = 0
    answered: int = 0
    scale: list[int] = field(default_factory=list)
    recommend: list[int] = field(default_factory=list)

    @property
    def mean(self) -> Decimal | None:
        return mean(self.scale)

    @property
    def csat(self) -> Decimal | None:
        return csat(self.scale)

    @property
    def nps(self) -> Decimal | None:
        return nps(self.recommend)


@dataclass
class CustomerRow:
    invitation: SurveyInvitation
    scores: dict[str, int]
    cells: list[int | None]
    actions: list[ImprovementAction]


@dataclass
class Trend:
    code: str
    kind: str
    text: str
    points: list[tuple[int, Decimal | None, int]]  # year, mean or NPS, answers


def percent(part: int, whole: int) -> Decimal:
    return _round(Decimal(100 * part) / whole) if whole else Decimal("0.0")


def analysis(campaign: SurveyCampaign) -> dict[str, Any]:
    """Everything the report shows of a campaign."""
    questions = [q for q in campaign.questions.all() if q.scored]
    invitations = list(
        campaign.invitations.select_related("customer", "salesperson").order_by(
            "customer__name", "pk"
        )
    )
    by_invitation: dict[int, dict[str, int]] = defaultdict(dict)
    results = {q.pk: QuestionResult(q) for q in questions}
    kinds = {q.code: q.kind for q in questions}
    for inv_id, q_id, code, score in SurveyAnswer.objects.filter(
        invitation__campaign=campaign
    ).values_list("invitation_id", "question_id", "question__code", "score"):
        by_invitation[inv_id][code] = score
        if q_id in results:
            results[q_id].scores.append(score)
    actions: dict[int, list[ImprovementAction]] = defaultdict(list)
    action_states: dict[str, int] = defaultdict(int)
    for action in ImprovementAction.objects.filter(invitation__campaign=campaign).select_related(
        "answer__question", "owner"
    ):
        actions[action.invitation_id].append(action)
        action_states[action.state] += 1

    answered = [i for i in invitations if i.answered_at]
    rows = [
        CustomerRow(
            invitation=i,
            scores=by_invitation.get(i.pk, {}),
            cells=[by_invitation.get(i.pk, {}).get(q.code) for q in questions],
            actions=actions.get(i.pk, []),
        )
        for i in invitations
    ]
    by_seller: dict[Any, Group] = {}
    by_segment: dict[str, Group] = {value: Group(str(label)) for value, label in Segment.choices}
    nobody = _("No salesperson")
    for i in invitations:
        seller = by_seller.setdefault(
            i.salesperson_id, Group(user_label(i.salesperson) if i.salesperson else nobody)
        )
        segment = by_segment[i.segment]
        for group in (seller, segment):
            group.invited += 1
            if i.answered_at:
                group.answered += 1
            for code, score in by_invitation.get(i.pk, {}).items():
                if kinds.get(code) == QuestionKind.SCALE:
                    group.scale.append(score)
                elif kinds.get(code) == QuestionKind.RECOMMEND:
                    group.recommend.append(score)

    channels: dict[str, int] = defaultdict(int)
    for i in answered:
        channels[i.channel] += 1

    scale_results = [r for q, r in ((q, results[q.pk]) for q in questions) if q.kind == "scale"]
    recommend = next((results[q.pk] for q in questions if q.kind == QuestionKind.RECOMMEND), None)
    all_scale = [s for r in scale_results for s in r.scores]
    trends = trend(campaign)
    return {
        "questions": questions,
        "results": [results[q.pk] for q in questions],
        "invited": len(invitations),
        "answered": len(answered),
        "response_rate": percent(len(answered), len(invitations)),
        "channels": [
            (label, channels.get(value, 0)) for value, label in SurveyInvitation.Channel.choices
        ],
        "overall_mean": mean(all_scale),
        "overall_csat": csat(all_scale),
        "nps": recommend.nps if recommend else None,
        "nps_parts": recommend.nps_parts if recommend else None,
        "customers": rows,
        "salespeople": sorted(by_seller.values(), key=lambda g: g.label),
        "segments": [g for g in by_segment.values() if g.invited],
        "trends": trends,
        "complaints": complaints_of(campaign.year),
        "actions": [
            (label, action_states.get(value, 0)) for value, label in ImprovementAction.State.choices
        ],
        "low_scores": sum(
            1 for r in results.values() for s in r.scores if s <= LOW_SCORE[r.question.kind]
        ),
        "chart_means": bar_chart(
            [(r.question.text, r.mean) for r in scale_results], top=Decimal(5)
        ),
        "chart_trend": trend_chart([t for t in trends if t.kind == QuestionKind.SCALE]),
        "chart_nps": nps_chart(recommend.nps_parts if recommend else None),
    }


def trend(campaign: SurveyCampaign) -> list[Trend]:
    """Every question code of this or earlier years: its mean (1–5) or NPS
    (0–10) per year, the codes matched whatever their wording."""
    years = list(
        SurveyCampaign.objects.filter(year__lte=campaign.year)
        .exclude(state=SurveyCampaign.State.CANCELLED)
        .order_by("year")
        .values_list("year", flat=True)
    )
    scores: dict[tuple[str, int], list[int]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for code, kind, year, score in SurveyAnswer.objects.filter(
        invitation__campaign__year__in=years
    ).values_list("question__code", "question__kind", "invitation__campaign__year", "score"):
        scores[(code, year)].append(score)
        kinds[code] = kind
    texts = {q.code: q.text for q in campaign.questions.all()}
    latest_text = dict(
        CampaignQuestion.objects.filter(campaign__year__in=years)
        .order_by("campaign__year")
        .values_list("code", "text_zh" if chinese() else "text_en")
    )
    found = []
    order = [q.code for q in campaign.questions.all()] + sorted(set(kinds) - set(texts))
    for code in order:
        kind = kinds.get(code)
        if kind is None:
            continue
        measure = nps if kind == QuestionKind.RECOMMEND else mean
        found.append(
            Trend(
                code=code,
                kind=kind,
                text=texts.get(code) or latest_text.get(code, code),
                points=[
                    (year, measure(scores[(code, year)]), len(scores[(code, year)]))
                    for year in years
                ],
            )
        )
    return found


def complaints_of(year: int) -> dict[str, Any]:
    """The year's complaints: how many, by severity and defect category, and
    the recurrences among them."""
    year_q = Complaint.objects.filter(received_on__year=year)
    severities = dict(year_q.values_list("severity").annotate(n=Count("pk")).order_by())
    categories = list(
        year_q.values_list("category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")
    )
    recurrences = year_q.filter(is_recurrence=True).count()
    from .models import Severity

    return {
        "count": sum(severities.values()),
        "severities": [(label, severities.get(value, 0)) for value, label in Severity.choices],
        "categories": categories,
        "recurrences": recurrences,
    }


# --- Charts ------------------------------------------------------------------------------

BAR = "#0d6efd"
COLOURS = ("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d")


def _svg(width: int, height: int, label: str, body: Iterable[SafeString]) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" class="survey-chart" width="100%">{}</svg>',
        width,
        height,
        label,
        mark_safe("".join(body)),  # each part escaped by format_html
    )


def bar_chart(bars: list[tuple[str, Decimal | None]], top: Decimal) -> SafeString:
    """Horizontal bars, one per dimension, its mean written beside it."""
    row, label_w, bar_w = 28, 220, 300
    parts = []
    for n, (text, value) in enumerate(bars):
        y = 10 + n * row
        width = int(bar_w * (value or 0) / top)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="18" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12">{}</text>',
                label_w - 6,
                y + 13,
                text[:30],
                label_w,
                y,
                width,
                BAR,
                label_w + width + 4,
                y + 13,
                "—" if value is None else value,
            )
        )
    return _svg(label_w + bar_w + 50, 20 + row * len(bars), _("Mean score per dimension"), parts)


def trend_chart(trends: list[Trend]) -> SafeString:
    """A line per dimension across the years (1–5)."""
    years = [year for year, _v, _n in trends[0].points] if trends else []
    left, width, height, top_pad = 40, 420, 180, 10
    if len(years) < 1:
        return _svg(100, 20, _("Trend"), [])
    step = width / max(len(years) - 1, 1)

    def y_of(value: Decimal) -> float:
        return top_pad + height * float(5 - value) / 4

    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ccc"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>',
            left,
            y_of(Decimal(level)),
            left + width,
            y_of(Decimal(level)),
            left - 4,
            y_of(Decimal(level)) + 4,
            level,
        )
        for level in range(1, 6)
    ]
    for n, year in enumerate(years):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                left + n * step,
                top_pad + height + 16,
                year,
            )
        )
    for i, t in enumerate(trends):
        colour = COLOURS[i % len(COLOURS)]
        points = [
            (left + n * step, y_of(value))
            for n, (_year, value, _count) in enumerate(t.points)
            if value is not None
        ]
        if points:
            parts.append(
                format_html(
                    '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>',
                    colour,
                    " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                )
            )
            parts.extend(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"/>', f"{x:.1f}", f"{y:.1f}", colour
                )
                for x, y in points
            )
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11">{}</text>',
                left + width + 16,
                top_pad + i * 16,
                colour,
                left + width + 30,
                top_pad + i * 16 + 9,
                t.text[:24],
            )
        )
    return _svg(left + width + 200, top_pad + height + 26, _("Trend per year"), parts)


def nps_chart(parts_pct: tuple[Decimal, Decimal, Decimal] | None) -> SafeString:
    """One bar split into promoters, passives and detractors."""
    if parts_pct is None:
        return _svg(100, 20, _("NPS"), [])
    promoters, passives, detractors = parts_pct
    width = 400
    segments = [
        (_("Detractors (0–6)"), detractors, "#dc3545"),
        (_("Passives (7–8)"), passives, "#ffc107"),
        (_("Promoters (9–10)"), promoters, "#198754"),
    ]
    x = 0.0
    body = []
    for n, (label, pct, colour) in enumerate(segments):
        w = width * float(pct) / 100
        body.append(
            format_html(
                '<rect x="{}" y="0" width="{}" height="24" fill="{}"/>'
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12">{} {}%</text>',
                f"{x:.1f}",
                f"{w:.1f}",
                colour,
                n * 140,
                34,
                colour,
                n * 140 + 14,
                43,
                label,
                pct,
            )
        )
        x += w
    return _svg(width + 20, 52, _("NPS split"), body)


def customer_history(customer_id: int) -> list[dict[str, Any]]:
    """A customer's answers by year, for the customer's page (two queries)."""
    invitations = list(
        SurveyInvitation.objects.filter(customer_id=customer_id, answered_at__isnull=False)
        .select_related("campaign")
        .order_by("-campaign__year")
    )
    scores: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for inv_id, code, text_zh, text_en, score in (
        SurveyAnswer.objects.filter(invitation__in=invitations)
        .values_list(
            "invitation_id", "question__code", "question__text_zh", "question__text_en", "score"
        )
        .order_by("question__position")
    ):
        scores[inv_id].append((code, text_zh if chinese() else text_en, score))
    return [
        {"invitation": i, "campaign": i.campaign, "scores": scores.get(i.pk, [])}
        for i in invitations
    ]
