"""The admin of a process: workflow fields read-only (from the declarations),
other changes audited into the record's timeline with who, when and the old and
new value, deletion of a record with a history only by a superuser after a
confirmation naming what goes, the rights the marketing manager is granted, and
the sections' names."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_fsm_log.models import StateLog

from orders.models import Customer
from tests.factories import UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job, Review
from workflows.admin import workflow_readonly_fields
from workflows.models import ADMIN_DELETE, CalendarDay, Reminder, SignOff
from workflows.registry import sync_roles
from workflows.selectors import admin_changes, timeline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def change_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def delete_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])


def job_form(job, **changes) -> dict:
    data = {
        "requester": job.requester_id,
        "kind": job.kind,
        "customer": job.customer_id,
        "title": job.title,
        "details": job.details,
    }
    return {**data, **changes, "_save": "Save"}


@pytest.fixture
def keeper():
    """Staff who may change and delete jobs in the admin, but no superuser."""
    user = UserFactory(is_staff=True, roles=["marketing_manager"])
    group = Group.objects.get(name="marketing_manager")
    for codename in ("view_job", "change_job", "delete_job"):
        group.permissions.add(
            group.permissions.model.objects.get(
                content_type__app_label="testflows", codename=codename
            )
        )
    return user


@pytest.fixture
def root():
    return UserFactory(is_staff=True, is_superuser=True)


# --- Read-only workflow fields ------------------------------------------------------------


def test_the_workflow_fields_come_from_the_declarations():
    job_fields = workflow_readonly_fields(Job)
    # The engine's fields, those the steps' forms set, those the steps' code sets.
    for name in ("state", "step_seq", "step_started_at", "step_due_at", "reference"):
        assert name in job_fields
    for name in ("due_date", "plan", "return_date", "feedback"):
        assert name in job_fields
    for name in ("planner", "started_at", "rework_count", "checked_by", "previous"):
        assert name in job_fields
    assert not {"title", "details", "requester"} & set(job_fields)
    assert "summary" in workflow_readonly_fields(Review)
    assert "title" not in workflow_readonly_fields(Review)


def test_the_admin_cannot_change_a_workflow_field(advance, keeper, client_for):
    job = advance(JobFactory(), "planned")
    before = Job.objects.get(pk=job.pk)
    client = client_for(keeper)

    page = client.get(change_url(job)).content.decode()
    for name in ("state", "plan", "due_date", "step_seq"):
        assert f'name="{name}"' not in page
    assert 'name="title"' in page

    response = client.post(
        change_url(job),
        job_form(job, state="accepted", plan="Other plan", due_date="2030-01-01", step_seq=9),
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.plan, job.due_date, job.step_seq) == (
        before.state,
        before.plan,
        before.due_date,
        before.step_seq,
    )
    assert job.history.count() == 0  # nothing changed: no history


# --- Audited changes ----------------------------------------------------------------------


def test_a_change_in_the_admin_is_in_the_timeline_with_who_when_old_and_new(
    advance, keeper, client_for
):
    job = advance(JobFactory(title="Old title"), "planned")
    new_requester = UserFactory(roles=["sales"], first_name="Mei", last_name="Li")
    old_name = job.requester.get_full_name()

    response = client_for(keeper).post(
        change_url(job), job_form(job, title="New title", requester=new_requester.pk)
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.title, job.requester_id, job.state) == ("New title", new_requester.pk, "planned")
    [entry] = [e for e in timeline(job, []) if e["kind"] == "admin"]
    assert entry["user"] == keeper
    assert entry["at"] >= job.step_started_at
    changes = {str(c["label"]): (c["old"], c["new"]) for c in entry["changes"]}
    assert changes == {
        "title": ("Old title", "New title"),
        "requester": (old_name, new_requester.get_full_name()),
    }

    page = client_for(new_requester).get(job.get_absolute_url()).content.decode()
    timeline_html = page[page.index('data-testid="timeline"') :]
    assert "Changed in the admin" in timeline_html
    assert "<del>Old title</del> → <ins>New title</ins>" in timeline_html
    assert keeper.get_full_name() in timeline_html


def test_changes_between_steps_show_only_what_the_admin_changed(advance, keeper, client_for):
    job = advance(JobFactory(title="One"), "planned")
    client = client_for(keeper)
    client.post(change_url(job), job_form(job, title="Two"))
    advance(job, "working")
    job.refresh_from_db()
    client.post(change_url(job), job_form(job, details="Three of them"))

    entries = admin_changes(job)

    assert [[(str(c["label"]), c["old"], c["new"]) for c in e["changes"]] for e in entries] == [
        [("title", "One", "Two")],
        [("details", "Two of them, packed in pairs.", "Three of them")],
    ]


def test_a_step_writes_no_history(advance):
    job = advance(JobFactory(), "delivered")
    assert job.history.count() == 0
    assert Job.history.count() == 0


def test_the_timeline_reads_the_history_in_a_constant_number_of_queries(
    advance, keeper, client_for
):
    def queries_for(job) -> int:
        with CaptureQueriesContext(connection) as ctx:
            admin_changes(job)
        return len(ctx.captured_queries)

    client = client_for(keeper)
    one, many = JobFactory(), JobFactory()
    client.post(change_url(one), job_form(one, requester=UserFactory(roles=["sales"]).pk))
    for n in range(6):
        many.refresh_from_db()
        client.post(
            change_url(many),
            job_form(many, title=f"T{n}", requester=UserFactory(roles=["sales"]).pk),
        )

    assert len(admin_changes(many)) == 6
    assert queries_for(one) == queries_for(many) == 2  # the rows, the people they name


# --- Deletion -----------------------------------------------------------------------------


def test_a_record_with_a_history_cannot_be_deleted_by_staff(keeper, client_for):
    job = JobFactory()
    client = client_for(keeper)

    assert client.get(delete_url(job)).status_code == 403
    assert client.post(delete_url(job), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:testflows_job_changelist"),
        {"action": "delete_selected", "_selected_action": [job.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()
    assert 'class="deletelink"' not in client.get(change_url(job)).content.decode()


def test_a_superuser_deletes_after_a_confirmation_naming_what_goes(advance, root, client_for):
    job = advance(JobFactory(), "rejected")
    SignOff.objects.create(
        record=job, state="rejected", step_seq=job.step_seq, role="qa", user=root, decision="agree"
    )
    Reminder.objects.create(record=job, step_seq=job.step_seq, kind="due")
    logs = StateLog.objects.for_(job).count()
    client = client_for(root)

    page = client.get(delete_url(job)).content.decode()

    assert job.reference in page
    assert f"Audit entries of {job.reference}: {logs}" in page
    assert f"Reminders of {job.reference}: 1" in page
    assert re.search(r"Sign-off: .*qa", page)
    assert Job.objects.filter(pk=job.pk).exists()  # asking deletes nothing

    response = client.post(delete_url(job), {"post": "yes"})

    assert response.status_code == 302
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not StateLog.objects.for_(job).exists()
    assert not SignOff.objects.filter(object_id=job.pk).exists()
    assert not Reminder.objects.filter(object_id=job.pk).exists()
    [last] = Job.history.filter(id=job.pk)
    assert (last.history_type, last.history_user, last.history_change_reason) == (
        "-",
        root,
        ADMIN_DELETE,
    )


# --- Rights and names ---------------------------------------------------------------------


def test_the_marketing_manager_keeps_customers_and_the_calendar(client_for):
    sync_roles()
    manager = UserFactory(is_staff=True, roles=["marketing_manager"])
    client = client_for(manager)

    for name in (
        "orders_customer_add",
        "workflows_calendarday_add",
        "workflows_companyprofile_add",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    response = client.post(
        reverse("admin:orders_customer_add"),
        {
            "code": "C-900",
            "name": "Galaxy",
            "active": "on",
            "credit_limit": "0",
            # The contacts' inline, empty.
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Customer.objects.filter(code="C-900").exists()
    client.post(
        reverse("admin:workflows_calendarday_add"), {"date": "2027-10-01", "name": "National Day"}
    )
    assert CalendarDay.objects.filter(name="National Day").exists()
    # Granted once: taken away in the admin, it stays away at the next sync.
    group = Group.objects.get(name="marketing_manager")
    group.permissions.remove(group.permissions.get(codename="delete_customer"))
    sync_roles()
    assert not group.permissions.filter(codename="delete_customer").exists()
    # Sales keep customers on the app's pages, not in the admin (they are no staff).
    sales = UserFactory(roles=["sales"])
    assert Group.objects.get(name="sales").permissions.filter(codename="add_customer").exists()
    assert client_for(sales).get(reverse("admin:orders_customer_add")).status_code == 302


@pytest.mark.parametrize(
    ("language", "words", "header"),
    [
        (
            "en",
            ["Orders and customers", "Shared settings and records", "Sign-in attempts"],
            "Marketing department administration",
        ),
        ("zh-hans", ["订单与客户", "通用设置与记录", "登录尝试"], "市场部管理后台"),
    ],
)
def test_the_admin_sections_are_named_in_the_users_words(root, client_for, language, words, header):
    page = client_for(root, language=language).get(reverse("admin:index")).content.decode()
    captions = re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", page, re.S)
    for word in words:
        assert word in captions
    assert "Workflow engine" not in page and "Axes" not in captions
    assert header in page


def test_a_text_sent_back_with_other_line_ends_is_no_change(keeper, client_for):
    job = JobFactory(details="One line\nand another")

    client_for(keeper).post(
        change_url(job), job_form(job, details="One line\r\nand another", title="Renamed")
    )

    job.refresh_from_db()
    assert (job.title, job.details) == ("Renamed", "One line\nand another")
    [entry] = admin_changes(job)
    assert [str(c["label"]) for c in entry["changes"]] == ["title"]
