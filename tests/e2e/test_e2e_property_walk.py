"""A new development (新盘) walked in the browser: the information manager
registers it, the research supervisor assigns the district's researcher (the
one proposed), the researcher files the survey form (市调分析表) with a photo,
the supervisor passes it and the information manager archives it; then the
development's page with its chart, on a desk and on a phone (390 px)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_walk import RecordPages, hand_over, in_days
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.factories import make_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Walk-the-sample-2026"
NAMES = {
    "info_manager": ("Iris", "Info"),
    "research_supervisor": ("Sue", "Supervisor"),
    "researcher": ("Ray", "Researcher"),
}
DEVELOPMENTS = RecordPages(r"\bPD-\d{4}-\d{4}\b", "development")
SURVEYS = RecordPages(r"\bPS-\d{4}-\d{4}\b", "property survey")


@pytest.fixture
def property_users(e2e_users: dict[str, Any]) -> dict[str, Any]:
    users = {}
    for role, (first, last) in NAMES.items():
        user = get_user_model().objects.create_user(
            username=role, password=PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


def test_a_new_development_is_surveyed_reviewed_and_archived(
    desks: Any, property_users: dict[str, Any], tmp_path: Any
) -> None:
    from research.models_property import District

    District.objects.create(name="Nanshan", researcher=property_users["researcher"])

    info = desks("info_manager")
    info.goto("/research/developments/")
    info.get_by_test_id("create").click()
    info.fill("#id_name", "Harbour View Garden")
    info.select_option("#id_district", label="Nanshan")
    info.fill("#id_developer", "Coastal Properties Ltd.")
    info.fill("#id_address", "8 Harbour Road")
    info.fill("#id_source", "Property fair")
    info.locator("main form button[type=submit]").click()
    expect(info.get_by_test_id("state")).to_have_text("Awaiting a researcher")
    ref = DEVELOPMENTS.reference(info)

    supervisor = desks("research_supervisor")
    hand_over(supervisor, ref, "Created")
    supervisor.locator('[data-step="development_assign"]').click()
    modal = supervisor.locator("#step-development_assign")
    expect(modal.locator('[name="development_assign-researcher"]')).to_have_value(
        str(property_users["researcher"].pk)
    )
    expect(modal).to_contain_text("Proposed: the researcher of Nanshan.")
    modal.locator('[name="development_assign-visit_planned"]').fill(in_days(0))
    desks.shoot(supervisor, "property-assign")
    modal.locator('[data-confirm="development_assign"]').click()
    expect(supervisor.get_by_test_id("state")).to_have_text("Surveying")
    survey_ref = SURVEYS.reference(supervisor)

    researcher = desks("researcher")
    hand_over(researcher, survey_ref, "Assigned with the development")
    researcher.locator('[data-step="survey_file"]').click()
    modal = researcher.locator("#step-survey_file")
    for name, value in {
        "visit_date": in_days(0),
        "price_min": "32000",
        "price_max": "38500",
        "house_types": "2 and 3 bedrooms",
        "areas": "78-128 m²",
        "product_form": "High-rise",
        "environment": "Central garden",
        "selling_points": "Metro, sea view",
    }.items():
        modal.locator(f'[name="survey_file-{name}"]').fill(value)
    modal.locator('[name="survey_file-sales_status"]').select_option("hot")
    photo = tmp_path / "gate.png"
    photo.write_bytes(make_png(40, 30))
    modal.locator('[name="survey_file-photo_1"]').set_input_files(str(photo))
    modal.locator('[data-confirm="survey_file"]').click()
    expect(researcher.get_by_test_id("state")).to_have_text("Survey form under review")
    expect(researcher.get_by_test_id("photos").locator("img")).to_have_count(1)

    hand_over(supervisor, survey_ref, "File the survey form")
    SURVEYS.take(supervisor, "survey_pass", "Reviewed: to be archived")
    hand_over(info, survey_ref, "Pass the survey form to the information manager")
    SURVEYS.take(info, "survey_archive", "Archived")

    info.get_by_role("link", name=ref).first.click()
    expect(info.get_by_test_id("survey-chart").locator("svg.survey-chart")).to_be_visible()
    expect(info.get_by_test_id("surveys")).to_contain_text(survey_ref)
    desks.shoot(info, "property-development")
    info.set_viewport_size({"width": 390, "height": 844})
    info.reload()
    expect(info.get_by_test_id("survey-chart").locator("svg.survey-chart")).to_be_visible()
    overflow = info.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    desks.shoot(info, "property-development-phone")


def test_the_demo_developments_in_chinese_on_a_phone_and_the_printed_form(
    chinese_desks: Any, property_users: dict[str, Any]
) -> None:
    from research import property_demo
    from research.models_property import Development, PropertySurvey

    assert property_demo.load(property_users) is True
    key = Development.objects.exclude(key_kind="").get()
    archived = PropertySurvey.objects.filter(development=key, state="archived").first()

    supervisor = chinese_desks("research_supervisor")
    supervisor.set_viewport_size({"width": 390, "height": 844})
    supervisor.goto(key.get_absolute_url())
    chart = supervisor.get_by_test_id("survey-chart")
    expect(chart.locator("svg g[data-survey]")).to_have_count(5)
    expect(chart).to_contain_text("价格与销售情况走势")
    overflow = supervisor.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    chinese_desks.shoot(supervisor, "property-development-phone")

    supervisor.goto("/research/property-surveys/")
    expect(supervisor.locator("main")).to_contain_text("楼盘市调")
    chinese_desks.shoot(supervisor, "property-surveys-phone")

    supervisor.set_viewport_size({"width": 1280, "height": 900})
    supervisor.goto(f"/research/property-surveys/{archived.pk}/print/")
    expect(supervisor.locator("h1")).to_have_text("市调分析表")
    expect(supervisor.locator("body")).to_contain_text("销售情况")
    chinese_desks.shoot(supervisor, "property-survey-print")
