"""The engine's read scopes, attach rule and creation for others, on the test
processes: a job's scope has every kind of part (its owner, roles that read
all, the current step's people, a manager it was escalated to), a review
keeps the default (everyone with a role in the process). Each part is a
filter in the database, so the list costs the same few queries whatever it
holds; the admin lists and opens only what the user reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, UserFactory, in_days
from tests.kits import post_data
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from tests.workflow_checks import messages_of, step_url
from workflows.declarations import CurrentStep, Owner
from workflows.forms import create_form_class, transition_form
from workflows.models import Attachment, Escalation
from workflows.rights import may_attach, read_record, readable
from workflows.services import record_attach, record_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def escalate(record: Any, manager: Any) -> Escalation:
    return Escalation.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        step_seq=record.step_seq,
        role="sales_assistant",
        manager=manager,
        due_at=timezone.now() - dt.timedelta(days=1),
    )


def fresh(user: Any) -> Any:
    """The user as a new request loads them (no roles or permissions cached)."""
    return type(user).objects.get(pk=user.pk)


def jobs_in_every_state(requester: Any) -> dict[str, Job]:
    return {state: JobFactory(state=state, requester=requester) for state in Job.State.values}


# --- Each part of a scope --------------------------------------------------------------


def test_a_requester_reads_their_own_jobs_and_not_a_colleagues(role_user):
    mine = JobFactory.create_batch(2, requester=role_user("sales"))
    JobFactory()  # another salesperson's

    assert set(readable(role_user("sales"), Job)) == set(mine)


def test_the_roles_a_scope_names_and_the_managers_read_every_job(role_user):
    jobs = JobFactory.create_batch(3)

    for role in ("sales_assistant", "qa", "sample_room", "marketing_manager"):
        assert set(readable(role_user(role), Job)) == set(jobs), role


def test_who_may_take_the_current_step_reads_the_job_while_it_is_there(role_user):
    jobs_in_every_state(UserFactory(roles=["sales"]))

    # PMC outsources from "working" and takes back from "outsourced".
    read = {job.state for job in readable(role_user("pmc"), Job)}

    assert read == {"working", "outsourced"}


def test_a_step_kept_by_a_rule_gives_its_record_only_to_the_user_the_rule_names(
    role_user, monkeypatch
):
    monkeypatch.setattr(Job, "read_scope", CurrentStep())
    requester, colleague = UserFactory(roles=["sales"]), UserFactory(roles=["sales"])
    jobs = jobs_in_every_state(requester)

    read = {job.state for job in readable(requester, Job)}

    # Accept, reject, redo and cancel are the requester's; a closed job is nobody's step.
    assert read == {"new", "planned", "working", "delivered", "rejected"}
    assert list(readable(colleague, Job)) == []
    assert jobs["accepted"] not in readable(requester, Job)


def test_a_department_of_a_pending_sign_off_reads_the_record_while_it_signs(role_user, monkeypatch):
    monkeypatch.setattr(Review, "read_scope", Owner() | CurrentStep())
    reviews = {state: ReviewFactory(state=state) for state in Review.State.values}

    assert {r.state for r in readable(role_user("finance"), Review)} == {"consulting"}
    assert {r.state for r in readable(role_user("creative"), Review)} == {"draft", "consulting"}
    owner = reviews["approved"].created_by
    assert reviews["approved"] in readable(owner, Review)  # the owner, closed or not


def test_the_default_scope_gives_every_review_to_every_role_of_the_process(role_user):
    reviews = ReviewFactory.create_batch(2)

    for role in ("bd", "creative", "strategy", "finance", "marketing_manager"):
        assert set(readable(role_user(role), Review)) == set(reviews), role
    with pytest.raises(PermissionDenied):
        readable(role_user("warehouse"), Review)


def test_a_manager_reads_a_job_escalated_to_them_in_the_list_and_on_its_page(role_user, client_for):
    gm = role_user("gm")  # sees the process (the view right), reads no job of its own
    escalated, other = JobFactory.create_batch(2)
    assert list(readable(gm, Job)) == []

    escalate(escalated, gm)

    assert list(readable(fresh(gm), Job)) == [escalated]
    client = client_for(gm)
    assert client.get(escalated.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 403


def test_a_record_outside_the_scope_is_forbidden_and_a_missing_one_not_found(role_user):
    job = JobFactory()
    colleague = role_user("sales")

    with pytest.raises(PermissionDenied, match="not among those you may read"):
        read_record(colleague, Job, job.pk)
    with pytest.raises(Http404):
        read_record(colleague, Job, job.pk + 1000)
    assert read_record(job.requester, Job, job.pk) == job


@pytest.mark.parametrize("role", ["sales", "pmc", "qa", "gm", "marketing_manager"])
def test_the_scope_filters_in_the_database_in_the_same_queries_for_5_or_50_jobs(role, role_user):
    user = role_user(role)
    counts, sizes = [], []
    for n in (5, 50):
        JobFactory.create_batch(n, requester=user if role == "sales" else UserFactory())
        JobFactory.create_batch(n, state="working")
        with CaptureQueriesContext(connection) as captured:
            sizes.append(len(list(readable(fresh(user), Job))))
        counts.append(len(captured))

    assert counts[0] == counts[1] <= 5
    assert sizes[1] > sizes[0] or sizes == [0, 0]


# --- The admin -------------------------------------------------------------------------


def staff(*roles: str) -> Any:
    user = UserFactory(roles=list(roles))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def admin_url(name: str, *args: Any) -> str:
    return reverse(f"admin:testflows_job_{name}", args=args)


def test_the_admin_lists_and_opens_only_the_jobs_the_user_reads(client_for):
    escalated, other = JobFactory.create_batch(2)
    gm = staff("gm")
    escalate(escalated, gm)
    client = client_for(gm)

    listing = client.get(admin_url("changelist"))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [escalated]
    assert client.get(admin_url("change", escalated.pk)).status_code == 200
    hidden = client.get(admin_url("change", other.pk))
    assert hidden.status_code == 302  # the admin's "does not exist" redirect
    assert client.get(admin_url("history", other.pk)).status_code == 302
    step = reverse("admin:testflows_job_step", args=[other.pk, "schedule"])
    assert client.get(step).status_code == 404


def test_the_admin_lists_every_job_to_a_manager_of_the_process(client_for):
    jobs = JobFactory.create_batch(2)

    listing = client_for(staff("marketing_manager")).get(admin_url("changelist"))

    assert set(listing.context["cl"].result_list) == set(jobs)


# --- Attaching -------------------------------------------------------------------------


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("note.txt", b"Two of them.\n", content_type="text/plain")


@pytest.mark.parametrize(
    ("state", "roles", "allowed"),
    [
        ("new", ["sales_assistant"], True),  # schedules it
        ("new", ["qa"], False),  # reads it, nothing to do on it now
        ("checking", ["qa"], True),
        ("rejected", ["sample_room"], True),  # signs the rejection
        ("working", ["marketing_manager"], True),  # manages the process
        ("working", ["sales"], False),  # a colleague of the requester
        ("accepted", ["marketing_manager"], False),  # closed
    ],
)
def test_who_may_attach_to_a_job(state, roles, allowed, media_root):
    job = JobFactory(state=state)
    user = UserFactory(roles=roles)

    assert may_attach(job, user) is allowed
    if allowed:
        assert record_attach(record=job, user=user, upload=upload()).uploaded_by == user
    else:
        with pytest.raises(PermissionDenied):
            record_attach(record=job, user=user, upload=upload())
        assert not Attachment.objects.exists()


def test_the_requester_attaches_until_the_job_is_closed(media_root):
    job = JobFactory(state="delivered")
    requester = job.requester
    record_attach(record=job, user=requester, upload=upload())
    Job.objects.filter(pk=job.pk).update(state="accepted")

    with pytest.raises(PermissionDenied, match="This record is closed"):
        record_attach(record=job, user=requester, upload=upload())
    assert Attachment.objects.count() == 1


def test_a_steps_form_has_the_attachment_field_only_for_who_may_attach():
    job = JobFactory(state="checking")
    step = Job.step_of("pass_check")

    assert "attachment" in transition_form(step, job).fields
    assert "attachment" not in transition_form(step, job, attach=False).fields


def test_a_step_taken_on_the_page_offers_its_attachment(role_user, client_for):
    job = JobFactory(state="checking")

    page = client_for(role_user("qa")).get(job.get_absolute_url())

    (action,) = [a for a in page.context["actions"] if a["action"].name == "pass_check"]
    assert "attachment" in action["form"].fields
    assert page.context["may_attach"] is True


def test_after_its_step_a_department_that_reads_no_more_goes_to_its_inbox(
    role_user, client_for, monkeypatch
):
    """QA reads the job only while it waits on QA: once passed, the job is
    beyond what QA reads, so the step's success is shown on the inbox, not
    on a page that would refuse it."""
    monkeypatch.setattr(Job, "read_scope", Owner() | CurrentStep())
    job = JobFactory(state="checking")
    client = client_for(role_user("qa"))
    data = post_data(Job, "pass_check", seq=job.step_seq, prefixed=True)

    response = client.post(step_url(job, "pass_check"), data, follow=True)

    assert response.redirect_chain == [(reverse("workflows:inbox"), 302)]
    assert "“Pass and deliver” done" in messages_of(response)[0]
    job.refresh_from_db()
    assert job.state == "delivered"


def test_after_its_step_a_department_that_still_reads_the_record_is_shown_it(role_user, client_for):
    job = JobFactory(state="checking")  # QA reads every job
    client = client_for(role_user("qa"))
    data = post_data(Job, "pass_check", seq=job.step_seq, prefixed=True)

    response = client.post(step_url(job, "pass_check"), data)

    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()


# --- Opening a record for someone else --------------------------------------------------


def test_the_service_refuses_a_record_in_another_name_from_who_may_not(role_user):
    sales, other = role_user("sales"), UserFactory(roles=["sales"])
    form = create_form_class(Job)(
        {
            "kind": "standard",
            "customer": CustomerFactory().pk,
            "requester": other.pk,
            "title": "Chairs",
            "quantity": 4,
            "due_date": in_days(5),
        }
    )
    assert form.is_valid(), form.errors

    with pytest.raises(PermissionDenied, match="only in your own name"):
        record_create(form=form, user=sales)
    assert not Job.objects.exists()

    record = record_create(form=form, user=role_user("sales_assistant"))
    assert (record.requester, record.created_by) == (other, role_user("sales_assistant"))
