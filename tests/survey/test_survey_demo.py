"""The demo's satisfaction surveys: three years, two published, the trend of
every question over the three, a renamed question matched by its code."""

from __future__ import annotations

import pytest
from django.utils import timezone

from complaints import survey_demo
from complaints.models import ImprovementAction, SurveyCampaign
from complaints.survey_analysis import analysis
from tests.factories import UserFactory
from workflows.roles import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_demo_gives_three_years_of_answers_so_the_trend_shows():
    users = {role.code: UserFactory(roles=[role.code]) for role in ROLES}

    assert survey_demo.load(users) is True
    assert survey_demo.load(users) is False  # loaded once

    year = timezone.localdate().year
    campaigns = {c.year: c for c in SurveyCampaign.objects.all()}
    assert sorted(campaigns) == [year - 2, year - 1, year]
    assert campaigns[year - 1].state == "published"
    assert campaigns[year].state == "running"
    assert campaigns[year - 2].reports.get().approved_at is not None
    found = analysis(campaigns[year])
    assert {t.code for t in found["trends"]} == {
        "product_quality",
        "delivery",
        "price",
        "service",
        "communication",
        "recommend",
    }
    for trend in found["trends"]:
        assert [y for y, value, n in trend.points if value is not None] == [
            year - 2,
            year - 1,
            year,
        ]
    assert campaigns[year - 2].questions.get(code="delivery").text_en == "Delivery on time"
    assert ImprovementAction.objects.exists()
    assert found["answered"] == 6 and found["invited"] == 8
