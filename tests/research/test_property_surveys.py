"""Property surveys (楼盘调研): what the declarations cannot say. The next
working day's clock of a new development, the district's researcher proposed,
the survey form's checks (a visit in the future, a photo that is not an image,
prices the wrong way round), review, return and archive, the monthly tracking
surveys of key developments (one per development and month), and the
development's page with its chart within a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from research.models_property import Development, PropertySurvey
from research.property_services import last_working_day, tracking_surveys_open
from tests.factories import UserFactory, in_days, make_png
from tests.kits import post_data, snapshot
from tests.research.kit_property import (
    FILED,
    DevelopmentFactory,
    DistrictFactory,
    SurveyFactory,
    survey_form,
)
from tests.workflow_checks import step_url
from workflows import calendar
from workflows.calendar import end_of
from workflows.models import CalendarDay, ScheduleRun
from workflows.schedules import schedule_run

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 9, 25)
SCHEDULE = "Key development tracking surveys"


def register(client, district, **extra):
    return client.post(
        reverse("research:development_create"),
        {
            "name": "Seaside Residence",
            "district": district.pk,
            "developer": "Seaside Land Co.",
            "address": "8 Coast Avenue",
            "source": "Newspaper advertisement",
            **extra,
        },
    )


# --- The next working day's clock ------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "calendar_days", "due"),
    [
        # Registered on Friday: assigned by the end of Monday.
        (FRIDAY, [], dt.date(2026, 9, 28)),
        # A worked Saturday (调休) is the next working day.
        (FRIDAY, [(dt.date(2026, 9, 26), True)], dt.date(2026, 9, 26)),
        # Friday before a holiday Monday: Tuesday.
        (FRIDAY, [(dt.date(2026, 9, 28), False)], dt.date(2026, 9, 29)),
        # The National Day week: registered on 30 September, due on 8 October.
        # Registered on Saturday 26, the news counts from the worked Sunday 27
        # (调休), as the calendar counts a weekend start: due the next working day.
        (
            dt.date(2026, 9, 30),
            [(dt.date(2026, 10, d), False) for d in range(1, 8)],
            dt.date(2026, 10, 8),
        ),
        (dt.date(2026, 9, 26), [(dt.date(2026, 9, 27), True)], dt.date(2026, 9, 28)),
    ],
)
def test_a_new_development_is_assigned_by_the_next_working_day(
    monkeypatch, role_user, client_for, today, calendar_days, due
):
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, working=working, name="节假日") for day, working in calendar_days
    )
    monkeypatch.setattr(calendar.timezone, "localdate", lambda *args: today)

    response = register(client_for(role_user("info_manager")), DistrictFactory())

    assert response.status_code == 302
    development = Development.objects.get()
    assert development.state == "registered"
    assert development.step_due_at == end_of(due)


# --- Assignment -------------------------------------------------------------------------


def test_the_districts_researcher_is_proposed_and_the_survey_is_theirs(role_user, client_for):
    district = DistrictFactory(name="Nanshan")
    other = UserFactory(roles=["researcher"])
    development = DevelopmentFactory(district=district, researcher=None)
    supervisor = role_user("research_supervisor")
    client = client_for(supervisor)

    page = client.get(development.get_absolute_url())
    form = next(
        a["form"] for a in page.context["actions"] if a["action"].name == "development_assign"
    )
    assert form["researcher"].value() == district.researcher.pk
    assert "Proposed: the researcher of Nanshan." in form.fields["researcher"].help_text
    assert other.pk in [u.pk for u in form.fields["researcher"].queryset]

    visit = in_days(1)
    response = client.post(
        step_url(development, "development_assign"),
        {"researcher": district.researcher.pk, "visit_planned": visit.isoformat(), "_seq": "1"},
    )

    survey = PropertySurvey.objects.get(development=development)
    assert response.status_code == 302
    assert response.url == survey.get_absolute_url()
    assert (survey.researcher, survey.kind, survey.state) == (
        district.researcher,
        "new",
        "assigned",
    )
    assert survey.created_by == supervisor
    # 当天填写完市调分析表: due by the end of the visit's day.
    assert survey.step_due_at == end_of(visit)
    development.refresh_from_db()
    assert (development.state, development.researcher) == ("assessing", district.researcher)


def test_a_researcher_is_chosen_among_the_researchers_only(role_user, client_for):
    development = DevelopmentFactory(researcher=None)
    outsider = UserFactory(roles=["sales"])
    before = snapshot(development)

    response = client_for(role_user("research_supervisor")).post(
        step_url(development, "development_assign"),
        {"researcher": outsider.pk, "visit_planned": in_days(0).isoformat(), "_seq": "1"},
    )

    assert response.status_code == 400
    form = next(
        a["form"] for a in response.context["actions"] if a["action"].name == "development_assign"
    )
    assert form.errors["researcher"] == ["Choose one of the researchers."]
    assert snapshot(development) == before


# --- The survey form --------------------------------------------------------------------


def file_form(client, survey, **overrides):
    data = post_data(survey, "survey_file", seq=survey.step_seq)
    data.update({k: str(v) for k, v in overrides.items() if not hasattr(v, "read")})
    files = {k: v for k, v in overrides.items() if hasattr(v, "read")}
    return client.post(step_url(survey, "survey_file"), {**data, **files})


def form_errors(response, name):
    return next(a["form"] for a in response.context["actions"] if a["action"].name == name).errors


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"visit_date": in_days(1).isoformat()},
            "visit_date",
            "The visit cannot be in the future: file the form on the day of the visit.",
        ),
        (
            {"price_min": "40000", "price_max": "39999.99"},
            "price_max",
            "The highest price cannot be below the lowest price.",
        ),
        (
            {"photo_1": SimpleUploadedFile("site.txt", b"plain words, not a picture\n")},
            "photo_1",
            "“site.txt” is not an image. Accepted: PNG, JPEG, GIF, WEBP.",
        ),
        (
            {"photo_2": SimpleUploadedFile("site.png", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")},
            "photo_2",
            None,  # a PDF called .png: refused as mislabelled
        ),
        ({"price_min": "-1"}, "price_min", None),
    ],
)
def test_a_wrong_survey_form_gets_a_field_error_and_saves_nothing(
    client_for, overrides, field, message
):
    survey = SurveyFactory()
    before = snapshot(survey)

    response = file_form(client_for(survey.researcher), survey, **overrides)

    assert response.status_code == 400
    errors = form_errors(response, "survey_file")
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert snapshot(survey) == before


def test_photos_are_kept_with_the_form_and_shown_on_its_page_and_printout(client_for, role_user):
    survey = SurveyFactory()
    client = client_for(survey.researcher)

    response = file_form(
        client,
        survey,
        photo_1=SimpleUploadedFile("gate.png", make_png(4, 3)),
        photo_3=SimpleUploadedFile("garden.png", make_png(2, 2)),
    )

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.state == "submitted"
    assert sorted(survey.attachments.values_list("original_name", "mime_type")) == [
        ("garden.png", "image/png"),
        ("gate.png", "image/png"),
    ]
    page = client_for(role_user("research_supervisor")).get(survey.get_absolute_url())
    assert page.content.decode().count('class="img-thumbnail') == 2
    printout = client_for(role_user("info_manager"), language="zh-hans").get(
        reverse("research:propertysurvey_print", kwargs={"pk": survey.pk})
    )
    text = printout.content.decode()
    assert printout.status_code == 200
    assert (
        "<h1>市调分析表</h1>" in text and "32000.00–38500.50" in text
    )  # as Chinese writes numbers


def test_the_supervisor_returns_the_form_and_the_information_manager_archives_it(
    client_for, role_user
):
    survey = SurveyFactory()
    researcher = client_for(survey.researcher)
    supervisor = client_for(role_user("research_supervisor"))
    info = client_for(role_user("info_manager"))

    assert file_form(researcher, survey).status_code == 302
    survey.refresh_from_db()
    # A return needs its comments.
    refused = supervisor.post(step_url(survey, "survey_return"), {"_seq": survey.step_seq})
    assert refused.status_code == 400
    assert "comment" in form_errors(refused, "survey_return")
    returned = supervisor.post(
        step_url(survey, "survey_return"),
        {"_seq": survey.step_seq, "comment": "Give the main house type's area."},
    )
    assert returned.status_code == 302
    survey.refresh_from_db()
    assert survey.state == "assigned"
    # The returned form keeps what was filed.
    assert survey.price_min == Decimal("32000.00")

    assert file_form(researcher, survey, areas="89 m² mostly").status_code == 302
    survey.refresh_from_db()
    # The information manager cannot archive what the supervisor has not passed.
    early = info.post(step_url(survey, "survey_archive"), {"_seq": survey.step_seq}, follow=True)
    assert "is not possible while the record is" in early.content.decode()
    survey.refresh_from_db()
    assert survey.state == "submitted"
    assert (
        supervisor.post(step_url(survey, "survey_pass"), {"_seq": survey.step_seq}).status_code
        == 302
    )
    survey.refresh_from_db()
    assert (
        info.post(step_url(survey, "survey_archive"), {"_seq": survey.step_seq}).status_code == 302
    )
    survey.refresh_from_db()
    assert (survey.state, survey.areas, survey.is_final) == ("archived", "89 m² mostly", True)
    assert list(
        StateLog.objects.for_(survey).order_by("pk").values_list("transition", flat=True)
    ) == ["create", "survey_file", "survey_return", "survey_file", "survey_pass", "survey_archive"]


# --- Key developments and their monthly tracking surveys -----------------------------


def key_developments(n: int) -> list[Development]:
    supervisor = UserFactory(roles=["research_supervisor"])
    return [
        DevelopmentFactory(state="on_file", key_kind=kind, key_by=supervisor)
        for kind in (["hot", "slow", "distinctive"] * n)[:n]
    ]


def at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 8))


def test_one_tracking_survey_a_month_for_each_key_development_however_often_it_runs():
    keys = key_developments(3)
    plain = DevelopmentFactory(state="on_file")
    closed = DevelopmentFactory(state="closed", key_kind="hot")

    assert schedule_run(SCHEDULE, at(2026, 11, 1)) is True
    assert schedule_run(SCHEDULE, at(2026, 11, 15)) is False
    # The job itself run again (a second beat past the run's key): nothing doubled.
    assert tracking_surveys_open(now=at(2026, 11, 20), period="2026-11") == 0

    surveys = PropertySurvey.objects.filter(kind="tracking")
    assert sorted(surveys.values_list("development_id", "period")) == [
        (d.pk, "2026-11") for d in keys
    ]
    for survey in surveys.select_related("development__district"):
        assert survey.researcher_id == survey.development.district.researcher_id
        assert survey.state == "assigned"
        assert survey.visit_planned == dt.date(2026, 11, 30)
        assert survey.step_due_at == end_of(dt.date(2026, 11, 30))
    assert not plain.surveys.exists() and not closed.surveys.exists()
    assert ScheduleRun.objects.filter(name=SCHEDULE).count() == 1

    assert schedule_run(SCHEDULE, at(2026, 12, 1)) is True
    assert PropertySurvey.objects.filter(kind="tracking", period="2026-12").count() == 3


def test_a_tracking_survey_is_due_on_the_months_last_working_day():
    # 31 October 2026 is a Saturday; with Friday 30 a holiday, Thursday 29.
    CalendarDay.objects.create(date=dt.date(2026, 10, 30), working=False, name="假日")
    assert last_working_day(dt.date(2026, 10, 1)) == dt.date(2026, 10, 29)
    CalendarDay.objects.create(date=dt.date(2026, 10, 31), working=True, name="调休")
    assert last_working_day(dt.date(2026, 10, 1)) == dt.date(2026, 10, 31)


def test_the_supervisor_makes_a_development_key_and_its_tracking_survey_follows(
    client_for, role_user
):
    development = DevelopmentFactory(state="on_file")
    supervisor = role_user("research_supervisor")

    response = client_for(supervisor).post(
        step_url(development, "development_key"), {"key_kind": "slow", "_seq": "1"}
    )

    assert response.status_code == 302
    development.refresh_from_db()
    assert (development.key_kind, development.key_by) == ("slow", supervisor)
    assert tracking_surveys_open(now=at(2026, 11, 2), period="2026-11") == 1
    survey = development.surveys.get()
    assert (survey.created_by, survey.researcher) == (supervisor, development.district.researcher)


# --- The development's page, lists and printout --------------------------------------


def surveyed(development: Development, n: int) -> None:
    for i in range(n):
        SurveyFactory(
            development=development,
            kind="tracking",
            period=f"20{10 + i // 12:02d}-{i % 12 + 1:02d}",
            state="archived",
            **{**FILED, "visit_date": in_days(-30 * i), "price_min": Decimal(30000 + i)},
        )


@pytest.mark.parametrize("n", [2, 12])
def test_the_development_page_shows_its_surveys_and_chart_in_fixed_queries(
    n, client_for, role_user, django_assert_max_num_queries
):
    development = DevelopmentFactory(state="on_file", key_kind="hot")
    surveyed(development, n)
    SurveyFactory(development=development, kind="tracking", period="2030-01")  # not filed yet
    client = client_for(role_user("research_supervisor"))
    client.get(development.get_absolute_url())

    with django_assert_max_num_queries(20):
        response = client.get(development.get_absolute_url())

    assert response.status_code == 200
    text = response.content.decode()
    assert len(response.context["surveys"]) == n + 1
    assert text.count("<g data-survey=") == n  # the chart: filed forms only
    assert "<svg" in text and "cdn" not in text.lower()


def test_the_development_page_bound_is_the_same_at_two_sizes(
    client_for, role_user, django_assert_num_queries
):
    counts = []
    client = client_for(role_user("research_supervisor"))
    for n in (2, 12):
        development = DevelopmentFactory(state="on_file")
        surveyed(development, n)
        client.get(development.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(development.get_absolute_url()).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_researcher_reads_their_survey_and_not_the_developments_file(client_for, role_user):
    survey = SurveyFactory()
    researcher = client_for(survey.researcher)

    assert researcher.get(survey.development.get_absolute_url()).status_code == 403
    page = researcher.get(survey.get_absolute_url())
    assert page.status_code == 200
    assert page.context["development_link"] is False
    assert survey.development.name in page.content.decode()
    assert (
        client_for(UserFactory(roles=["researcher"])).get(survey.get_absolute_url()).status_code
        == 403
    )
    supervisor = client_for(role_user("research_supervisor")).get(survey.get_absolute_url())
    assert supervisor.context["development_link"] is True


def test_the_survey_list_filters_by_district_key_kind_and_state(client_for, role_user):
    hot = DevelopmentFactory(state="on_file", key_kind="hot")
    plain = DevelopmentFactory(state="on_file")
    a = SurveyFactory(development=hot, state="submitted", **survey_form())
    b = SurveyFactory(development=plain)
    client = client_for(role_user("research_supervisor"))
    url = reverse("research:propertysurvey_list")

    def listed(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {r.pk for r in response.context["records"]}

    assert listed() == {a.pk, b.pk}
    assert listed(district=hot.district_id) == {a.pk}
    assert listed(key_kind="hot") == {a.pk}
    assert listed(state="assigned") == {b.pk}
    assert listed(q=plain.name) == {b.pk}
    listed(key_kind="nonsense")  # an unknown choice: a page, never a 500
    dev_list = client.get(reverse("research:development_list"), {"key_kind": "hot"})
    assert {r.pk for r in dev_list.context["records"]} == {hot.pk}


def test_the_pages_speak_chinese(client_for, role_user):
    survey = SurveyFactory(state="submitted", **survey_form())
    client = client_for(role_user("research_supervisor"), language="zh-hans")

    record = client.get(survey.get_absolute_url()).content.decode()
    development = client.get(survey.development.get_absolute_url()).content.decode()

    assert "退回市调分析表" in record and "热销" in record
    assert "价格与销售情况" in development
