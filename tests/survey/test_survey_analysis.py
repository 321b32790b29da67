"""The analysis of a satisfaction survey on answers whose figures are worked
out by hand here: means, CSAT, NPS, the distribution, the groups, the trend
of a question renamed between years, the year's complaints, and the query
bound of the analysis at 50 and 500 customers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import (
    CampaignQuestion,
    ImprovementAction,
    Segment,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
)
from complaints.survey_analysis import analysis, csat, mean, nps
from complaints.survey_services import answer_save
from tests.complaints.kit import ComplaintFactory
from tests.factories import CustomerFactory, UserFactory
from tests.survey.kit import CampaignFactory, InvitationFactory, ask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def scores_of(campaign: SurveyCampaign, **by_code: int) -> dict[int, int]:
    return {q.pk: by_code[q.code] for q in campaign.questions.all() if q.code in by_code}


def running(**fields: Any) -> SurveyCampaign:
    return CampaignFactory(state=SurveyCampaign.State.RUNNING, asked=False, **fields)


def answered_campaign() -> SurveyCampaign:
    """Four customers' answers:

    quality   5 4 2 3   mean 14/4 = 3.5, CSAT 2/4 = 50 %
    delivery  1 5 5 4   mean 15/4 = 3.75 → 3.8, CSAT 3/4 = 75 %
    recommend 10 9 6 8  promoters 2/4 = 50 %, detractors 1/4 = 25 %: NPS 25
    all 1–5   29/8 = 3.625 → 3.6, CSAT 5/8 = 62.5 %
    """
    campaign = running(year=2026)
    ask(campaign)
    sellers = UserFactory.create_batch(2, roles=["sales"])
    rows = [(5, 1, 10), (4, 5, 9), (2, 5, 6), (3, 4, 8)]
    for n, (quality, delivery, recommend) in enumerate(rows):
        invitation = InvitationFactory(
            campaign=campaign,
            salesperson=sellers[n % 2],
            segment=Segment.KEY if n < 2 else Segment.REGULAR,
        )
        answer_save(
            invitation=invitation,
            scores=scores_of(campaign, quality=quality, delivery=delivery, recommend=recommend),
            comment="",
            channel=SurveyInvitation.Channel.LINK,
        )
    InvitationFactory(campaign=campaign)  # asked, not answered
    return campaign


def test_means_csat_and_nps_are_those_worked_out_by_hand():
    campaign = answered_campaign()

    found = analysis(campaign)

    by_code = {r.question.code: r for r in found["results"]}
    assert by_code["quality"].mean == Decimal("3.5")
    assert by_code["quality"].csat == Decimal("50.0")
    assert by_code["delivery"].mean == Decimal("3.8")
    assert by_code["delivery"].csat == Decimal("75.0")
    assert by_code["recommend"].nps == Decimal("25.0")
    assert by_code["recommend"].nps_parts == (Decimal("50.0"), Decimal("25.0"), Decimal("25.0"))
    assert by_code["recommend"].csat is None
    assert found["overall_mean"] == Decimal("3.6")
    assert found["overall_csat"] == Decimal("62.5")
    assert found["nps"] == Decimal("25.0")
    assert (found["invited"], found["answered"], found["response_rate"]) == (5, 4, Decimal("80.0"))
    assert by_code["quality"].distribution == [
        (1, 0, Decimal("0.0")),
        (2, 1, Decimal("25.0")),
        (3, 1, Decimal("25.0")),
        (4, 1, Decimal("25.0")),
        (5, 1, Decimal("25.0")),
    ]


def test_groups_by_salesperson_and_segment_are_worked_out_by_hand():
    campaign = answered_campaign()

    found = analysis(campaign)

    # Key accounts answered rows 1 and 2: 1–5 scores 5 1 4 5 → 15/4 = 3.8,
    # CSAT 3/4 = 75 %; recommend 10 and 9 → NPS 100.
    key = next(g for g in found["segments"] if g.label == str(Segment.KEY.label))
    assert (key.invited, key.answered) == (2, 2)
    assert key.mean == Decimal("3.8")
    assert key.csat == Decimal("75.0")
    assert key.nps == Decimal("100.0")
    # The first salesperson has rows 1 and 3: 5 1 2 5 → 13/4 = 3.3, CSAT 2/4,
    # recommend 10 and 6 → 50 − 50 = 0.
    first = [g for g in found["salespeople"] if g.answered == 2 and g.mean == Decimal("3.3")]
    assert len(first) == 1
    assert first[0].csat == Decimal("50.0")
    assert first[0].nps == Decimal("0.0")


def test_the_helpers_on_edge_cases():
    assert mean([]) is None and csat([]) is None and nps([]) is None
    assert nps([0, 0, 10]) == Decimal("-33.3")
    assert nps([9, 10]) == Decimal("100.0")
    assert csat([3, 3, 3]) == Decimal("0.0")


def test_the_trend_matches_a_renamed_question_by_its_code():
    old = running(year=2024)
    ask(old, [("delivery", "scale", "交货及时", "Delivery on time")])
    new = running(year=2025)
    ask(new, [("delivery", "scale", "交货准时性", "On-time delivery")])
    for campaign, scores in ((old, [2, 4]), (new, [5, 4])):
        for score in scores:
            answer_save(
                invitation=InvitationFactory(campaign=campaign),
                scores=scores_of(campaign, delivery=score),
                comment="",
                channel=SurveyInvitation.Channel.LINK,
            )

    (delivery,) = analysis(new)["trends"]

    assert delivery.code == "delivery"
    assert delivery.text == "On-time delivery"  # this year's wording
    assert delivery.points == [(2024, Decimal("3.0"), 2), (2025, Decimal("4.5"), 2)]
    # The older campaign still says what it asked.
    assert CampaignQuestion.objects.get(campaign=old).text_en == "Delivery on time"


def test_the_years_complaints_are_counted_by_severity_category_and_recurrence():
    campaign = running(year=timezone.localdate().year)
    ask(campaign)
    today = timezone.localdate()
    ComplaintFactory(severity="major", received_on=today)
    ComplaintFactory(severity="minor", received_on=today)
    ComplaintFactory(severity="minor", received_on=today)

    found = analysis(campaign)["complaints"]

    assert found["count"] == 3
    assert dict((str(k), v) for k, v in found["severities"]) == {
        "Critical": 0,
        "Major": 1,
        "Minor": 2,
    }
    assert sum(n for _name, n in found["categories"]) == 3
    assert found["recurrences"] == 0


def test_every_low_score_opens_exactly_one_action_whose_state_the_report_shows():
    campaign = answered_campaign()

    # Row 1: delivery 1; row 3: quality 2 and recommend 6.
    actions = ImprovementAction.objects.filter(invitation__campaign=campaign)
    assert actions.count() == 3
    assert sorted(a.answer.score for a in actions) == [1, 2, 6]
    assert all(a.owner_id == a.invitation.salesperson_id for a in actions)
    assert dict((str(k), v) for k, v in analysis(campaign)["actions"])["Open"] == 3


def bulk_campaign(customers: int) -> SurveyCampaign:
    """A campaign with ``customers`` forms, all answered, written in bulk."""
    campaign = running()
    ask(campaign)
    sellers = UserFactory.create_batch(3, roles=["sales"])
    made = CustomerFactory.create_batch(customers)
    now = timezone.now()
    invitations = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            campaign=campaign,
            customer=c,
            salesperson=sellers[n % 3],
            answered_at=now,
            channel=SurveyInvitation.Channel.LINK,
            comment="ok" if n % 7 else "",
        )
        for n, c in enumerate(made)
    )
    scored = [q for q in campaign.questions.all() if q.scored]
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(invitation=i, question=q, score=3 + n % 3 if q.kind == "scale" else 8)
        for n, i in enumerate(invitations)
        for q in scored
    )
    return campaign


def queries_of_analysis(campaign: SurveyCampaign) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = analysis(campaign)
        str(found["chart_means"]), str(found["chart_trend"])
    return len(queries)


def test_the_analysis_costs_the_same_queries_at_50_and_500_customers():
    small = queries_of_analysis(bulk_campaign(50))
    large_campaign = bulk_campaign(500)
    large = queries_of_analysis(large_campaign)

    assert small == large
    assert large <= 12
    assert analysis(large_campaign)["answered"] == 500


def test_the_record_page_costs_the_same_queries_at_50_and_500_customers(client_for):
    manager = UserFactory(roles=["marketing_manager"])
    counts = []
    for size in (50, 500):
        campaign = bulk_campaign(size)
        client = client_for(manager)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(campaign.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
