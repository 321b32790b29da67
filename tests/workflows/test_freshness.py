"""Every form POST of a step or a sign-off carries the step number the page
showed (its hidden ``_seq``): the record page's forms and the admin's step form
all send it. A POST without a readable one did not come from the page as
shown: it is refused with the stale-page message and changes nothing, so
replaying a repeatable step (a job's follow-up) cannot pile up entries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog

from tests.factories import UserFactory, make_png
from tests.kits import post_data
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from tests.workflow_checks import STALE, messages_of, step_url, url
from workflows.models import Attachment, Notification, Outbox, SignOff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# What a tampered or truncated form may send instead of the page's number.
UNREADABLE = [None, "", " ", "x", "2x", "1.0", "-1", " 1", "١", "9" * 5000]
UNREADABLE_IDS = [
    "absent",
    "empty",
    "blank",
    "letter",
    "trailing_letter",
    "decimal",
    "negative",
    "leading_space",
    "arabic_digit",
    "huge",
]


def with_seq(data: dict[str, Any], value: str | None) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k != "_seq"}
    if value is not None:
        data["_seq"] = value
    return data


def snapshot(record: Any) -> tuple[Any, ...]:
    """Everything a refused POST must leave as it was."""
    fresh = type(record).objects.get(pk=record.pk)
    return (
        fresh.state,
        fresh.step_seq,
        fresh.step_due_at,
        StateLog.objects.for_(fresh).count(),
        SignOff.objects.count(),
        Attachment.objects.count(),
        Notification.objects.count(),
        Outbox.objects.count(),
    )


@pytest.mark.parametrize("value", UNREADABLE, ids=UNREADABLE_IDS)
def test_a_step_posted_without_a_readable_page_number_is_refused(value, role_user, client_for):
    record = JobFactory()
    client = client_for(role_user("sales_assistant"))
    data = with_seq(post_data(Job, "schedule", seq=record.step_seq, prefixed=True), value)
    before = snapshot(record)

    response = client.post(step_url(record, "schedule"), data, follow=True)

    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    assert STALE in messages_of(response)[0]
    assert snapshot(record) == before


def test_thirty_follow_ups_posted_without_the_page_number_record_nothing(client_for):
    job = JobFactory(state="delivered")
    client = client_for(job.requester)
    data = with_seq(post_data(Job, "follow_up", seq=job.step_seq), None)
    before = snapshot(job)

    responses = [client.post(step_url(job, "follow_up"), data) for _ in range(30)]

    assert {r.status_code for r in responses} == {302}
    assert snapshot(job) == before
    page = client.get(job.get_absolute_url())
    assert STALE in messages_of(page)[-1]
    follow_ups = [e for e in page.context["timeline"] if e.get("comment") == "Comment on follow_up"]
    assert follow_ups == []


def test_a_follow_up_posted_twice_with_its_page_number_is_recorded_once(client_for):
    job = JobFactory(state="delivered")
    client = client_for(job.requester)
    data = post_data(Job, "follow_up", seq=job.step_seq)

    first = client.post(step_url(job, "follow_up"), data)
    second = client.post(step_url(job, "follow_up"), data, follow=True)

    assert first.status_code == 302
    assert STALE in messages_of(second)[-1]
    assert StateLog.objects.for_(job).filter(transition="follow_up").count() == 1


@pytest.mark.parametrize("value", UNREADABLE, ids=UNREADABLE_IDS)
def test_a_sign_off_posted_without_a_readable_page_number_is_refused(
    value, advance, role_user, client_for
):
    record = advance(JobFactory(), "rejected")
    data = with_seq(
        {"role": "qa", "decision": "agree", "comment": "", "_seq": record.step_seq}, value
    )
    before = snapshot(record)

    response = client_for(role_user("qa")).post(url(record, "sign"), data, follow=True)

    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    assert STALE in messages_of(response)[0]
    assert snapshot(record) == before


def test_a_sign_off_with_its_page_number_is_recorded(advance, role_user, client_for):
    record = advance(JobFactory(), "rejected")
    data = {"role": "qa", "decision": "agree", "comment": "", "_seq": str(record.step_seq)}

    response = client_for(role_user("qa")).post(url(record, "sign"), data, follow=True)

    assert messages_of(response) == ["Your sign-off was recorded."]
    assert list(SignOff.objects.values_list("role", "step_seq")) == [("qa", record.step_seq)]


def test_a_step_with_a_file_posted_without_the_page_number_stores_nothing(
    media_root, role_user, client_for
):
    record = JobFactory(state="checking")
    data = with_seq(post_data(Job, "pass_check", seq=record.step_seq, prefixed=True), None)
    data["pass_check-attachment"] = SimpleUploadedFile("passed.png", make_png())
    before = snapshot(record)

    response = client_for(role_user("qa")).post(step_url(record, "pass_check"), data)

    assert response.status_code == 302
    assert snapshot(record) == before
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


# --- The admin's step form ---------------------------------------------------------------


def admin_step_url(record: Any, name: str) -> str:
    return reverse("admin:testflows_job_step", kwargs={"pk": record.pk, "name": name})


@pytest.fixture
def manager(db: None) -> Any:
    return UserFactory(is_staff=True, roles=["marketing_manager", "sales_assistant"])


def test_the_admins_step_form_posts_the_page_number(manager, client_for):
    record = JobFactory()

    page = client_for(manager).get(admin_step_url(record, "schedule"))

    assert page.status_code == 200
    assert f'name="_seq" value="{record.step_seq}"' in page.content.decode()


@pytest.mark.parametrize("value", UNREADABLE, ids=UNREADABLE_IDS)
def test_the_admins_step_posted_without_a_readable_page_number_is_refused(
    value, manager, client_for
):
    record = JobFactory()
    data = with_seq(post_data(Job, "schedule", seq=record.step_seq), value)
    change_url = reverse("admin:testflows_job_change", args=[record.pk])
    before = snapshot(record)

    client = client_for(manager)

    response = client.post(admin_step_url(record, "schedule"), data)

    assert (response.status_code, response.url) == (302, change_url)
    assert snapshot(record) == before
    page = client.get(change_url)
    assert page.status_code == 200
    assert STALE in messages_of(page)[0]


def test_the_admins_step_with_its_page_number_is_taken(manager, client_for):
    record = JobFactory()
    data = post_data(Job, "schedule", seq=record.step_seq)

    response = client_for(manager).post(admin_step_url(record, "schedule"), data)

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.planner_id) == ("planned", manager.pk)
