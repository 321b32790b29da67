"""The engine's services around the transitions: roles and rights, reference
numbers, the admin's step view, notifications and the diagram."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from tests.factories import UserFactory
from tests.kits import step_data
from tests.testflows.kit import JobFactory, ReviewFactory
from tests.testflows.models import Job, Review
from workflows.declarations import step_of
from workflows.models import (
    DefaultGrant,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Outbox,
    ReferenceCounter,
)
from workflows.notify.email import emails_send
from workflows.registry import process_models, sync_roles, transition_codename
from workflows.roles import ROLES
from workflows.selectors import step_recipients
from workflows.services import transition_perform
from workflows.tasks import notify_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def holders(model, codename: str) -> set[str]:
    perm = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(model), codename=codename
    )
    return set(perm.group_set.values_list("name", flat=True))


def declared_rights() -> dict[tuple[type, str], set[str]]:
    wanted: dict[tuple[type, str], set[str]] = {}
    for model in process_models():
        for t in model.workflow_transitions():
            key = (model, transition_codename(t.name))
            wanted.setdefault(key, set()).update(step_of(t).roles)
    return wanted


# --- Roles and rights -----------------------------------------------------------------


def test_sync_roles_creates_every_role_group_and_grants_each_step_to_its_roles_only():
    sync_roles()

    assert set(Group.objects.values_list("name", flat=True)) >= {r.code for r in ROLES}
    rights = declared_rights()
    assert (Job, "transition_redo") in rights
    for (model, codename), roles in rights.items():
        assert holders(model, codename) == roles, f"{model.__name__}.{codename}"


def test_sync_roles_lets_the_creator_roles_create_and_managers_view_the_processes():
    sync_roles()

    managers = {r.code for r in ROLES if r.manager}
    for model, creators in ((Job, {"sales", "sales_assistant"}), (Review, {"bd"})):
        name = model._meta.model_name
        assert holders(model, f"add_{name}") == creators
        assert holders(model, f"view_{name}") == managers


def test_migrate_hook_creates_the_role_groups_and_grants():
    # What `migrate` does at its end on a fresh database: post_migrate for
    # every app with models. The engine's hook must then make the groups.
    DefaultGrant.objects.all().delete()
    Group.objects.all().delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(Group.objects.values_list("name", flat=True)) >= {r.code for r in ROLES}
    assert holders(Job, "transition_schedule") == {"sales_assistant"}


def test_sync_roles_does_not_give_back_a_right_an_administrator_removed():
    sync_roles()
    sample_room = Group.objects.get(name="sample_room")
    perm = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(Job),
        codename="transition_start",
    )
    sample_room.permissions.remove(perm)

    sync_roles()

    assert not sample_room.permissions.filter(pk=perm.pk).exists()
    assert DefaultGrant.objects.filter(group=sample_room, permission=perm).exists()
    # Without the memory of the first grant, the declaration grants it again.
    DefaultGrant.objects.filter(group=sample_room, permission=perm).delete()
    sync_roles()
    assert sample_room.permissions.filter(pk=perm.pk).exists()


def test_a_right_removed_in_the_admin_takes_the_step_away(role_user, client_for):
    record = JobFactory(state="planned")
    user = role_user("sample_room")
    Group.objects.get(name="sample_room").permissions.remove(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(Job), codename="transition_start"
        )
    )

    response = client_for(user).post(
        reverse("testflows:job_step", kwargs={"pk": record.pk, "name": "start"}),
        {"_seq": record.step_seq},
    )

    assert response.status_code == 403
    record.refresh_from_db()
    assert record.state == "planned"


# --- Reference numbers ----------------------------------------------------------------


def _number(reference: str, prefix: str) -> int:
    year = timezone.localdate().year
    match = re.fullmatch(rf"{prefix}-{year}-(\d{{4}})", reference)
    assert match, reference
    return int(match[1])


def test_references_are_sequential_per_prefix_in_the_current_year():
    jobs = JobFactory.create_batch(3)
    reviews = ReviewFactory.create_batch(2)
    more = JobFactory()

    numbers = [_number(s.reference, "JB") for s in [*jobs, more]]
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    review_numbers = [_number(b.reference, "RV") for b in reviews]
    assert review_numbers == [review_numbers[0], review_numbers[0] + 1]


def test_each_year_counts_from_one():
    assert ReferenceCounter.next_reference("SP", 2031) == "SP-2031-0001"
    assert ReferenceCounter.next_reference("SP", 2031) == "SP-2031-0002"
    assert ReferenceCounter.next_reference("SP", 2032) == "SP-2032-0001"
    assert ReferenceCounter.next_reference("PB", 2031) == "PB-2031-0001"
    assert ReferenceCounter.objects.get(prefix="SP", year=2031).last == 2


def test_a_saved_record_keeps_its_reference():
    record = JobFactory()
    reference = record.reference

    record.title = "Renamed"
    record.save()

    record.refresh_from_db()
    assert record.reference == reference


# --- Admin step view --------------------------------------------------------------------


def admin_step_url(record, name: str) -> str:
    return reverse("admin:testflows_job_step", kwargs={"pk": record.pk, "name": name})


def test_admin_step_view_shows_the_form_and_takes_the_step_through_the_service(client_for):
    manager = UserFactory(is_staff=True, roles=["marketing_manager", "sales_assistant"])
    record = JobFactory()
    client = client_for(manager)

    page = client.get(admin_step_url(record, "schedule"))
    assert page.status_code == 200
    assert 'name="plan"' in page.content.decode()

    data = {**step_data(Job, "schedule"), "_seq": record.step_seq}
    data["due_date"] = data["due_date"].isoformat()
    response = client.post(admin_step_url(record, "schedule"), data)

    change_url = reverse("admin:testflows_job_change", args=[record.pk])
    assert response.status_code == 302
    assert response.url == change_url
    record.refresh_from_db()
    assert (record.state, record.planner_id, record.step_seq) == ("planned", manager.pk, 2)
    log = StateLog.objects.for_(record).latest("pk")
    assert (log.transition, log.by_id, log.description) == (
        "schedule",
        manager.pk,
        "Comment on schedule",
    )
    change = client.get(change_url)
    assert change.status_code == 200
    assert [a.name for a in change.context["workflow_actions"]] == []


def test_admin_step_view_refuses_a_manager_without_the_steps_role(client_for):
    manager = UserFactory(is_staff=True, roles=["marketing_manager"])
    record = JobFactory()
    data = {**step_data(Job, "schedule"), "_seq": record.step_seq}
    data["due_date"] = data["due_date"].isoformat()

    response = client_for(manager).post(admin_step_url(record, "schedule"), data)

    assert response.status_code == 403
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("new", 1)
    assert StateLog.objects.for_(record).count() == 1


def test_admin_step_view_with_invalid_form_answers_400_and_changes_nothing(client_for):
    manager = UserFactory(is_staff=True, roles=["marketing_manager", "sales_assistant"])
    record = JobFactory()

    response = client_for(manager).post(
        admin_step_url(record, "schedule"), {"_seq": record.step_seq}
    )

    assert response.status_code == 400
    assert "plan" in response.context["form"].errors
    record.refresh_from_db()
    assert record.state == "new"


# --- Notifications ----------------------------------------------------------------------


@pytest.fixture
def scheduled_job(role_user, advance):
    """A job the sales assistant has just scheduled, with people around."""
    people = {
        "sample_room": role_user("sample_room"),
        "pmc": role_user("pmc"),
        "qa": role_user("qa"),
        "other_sales": UserFactory(roles=["sales"]),
    }
    record = JobFactory()
    # The requester chose to hear of every step of their jobs (by default
    # only of those waiting for them and of the outcome).
    NotificationPreference.objects.create(
        user=record.requester, content_type=ContentType.objects.get_for_model(Job), level="all"
    )
    clerk = role_user("sales_assistant")
    record = advance.take(record, "schedule", user=clerk)
    return record, clerk, people


def test_notify_step_tells_each_recipient_once_and_is_safe_to_run_twice(scheduled_job, settings):
    settings.DEFAULT_FROM_EMAIL = "marketing@example.org"
    record, clerk, people = scheduled_job
    ct = ContentType.objects.get_for_model(record)
    expected = {u.pk for u in step_recipients(record)} - {clerk.pk}
    assert {people["sample_room"].pk, record.requester_id} <= expected

    sent = notify_step(ct.pk, record.pk, record.step_seq)
    again = notify_step(ct.pk, record.pk, record.step_seq)

    notes = Notification.objects.filter(object_id=record.pk, content_type=ct)
    assert sent == len(expected) and again == 0
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(expected)
    assert {n.key for n in notes} == {f"step:{ct.pk}:{record.pk}:{record.step_seq}"}
    assert all(n.url == record.get_absolute_url() for n in notes)
    assert all(f"{record.reference} {record.title}" in n.line for n in notes)
    assert all(record.reference in n.text for n in notes)
    # The emails go after the commit, with the delivery run, not inside the task.
    assert mail.outbox == []
    assert all(n.email_pending and n.emailed_at is None for n in notes)

    emailed = emails_send()
    emailed_again = emails_send()

    assert (emailed, emailed_again) == (len(expected), 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in step_recipients(record) if u.pk != clerk.pk
    )
    by_address = {n.recipient.email: n for n in notes.select_related("recipient")}
    for message in mail.outbox:
        note = by_address[message.to[0]]
        line, text = note.render(NotificationSettings.language_of(note.recipient))
        assert (message.subject, message.body) == (line, text)
        assert message.extra_headers["Message-ID"] == f"<notification-{note.pk}@example.org>"
    assert not notes.filter(email_pending=True).exists()
    assert not notes.filter(emailed_at__isnull=True).exists()


def test_notify_step_for_a_step_already_left_sends_nothing(scheduled_job):
    record, _clerk, _people = scheduled_job
    ct = ContentType.objects.get_for_model(record)

    assert notify_step(ct.pk, record.pk, record.step_seq - 1) == 0
    assert not Notification.objects.exists()


def test_notify_step_leaves_out_salespeople_who_cannot_act_on_the_record(scheduled_job):
    # From "planned" only the record's own requester may cancel (OwnerOnly):
    # the other salespeople have nothing to do with this job.
    record, clerk, people = scheduled_job
    ct = ContentType.objects.get_for_model(record)

    notify_step(ct.pk, record.pk, record.step_seq)

    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert record.requester_id in told
    assert people["sample_room"].pk in told
    assert people["other_sales"].pk not in told
    assert clerk.pk not in told and people["qa"].pk not in told


def test_notifications_are_queued_only_when_the_transaction_commits(
    role_user, queued_tasks, django_capture_on_commit_callbacks
):
    record = JobFactory()
    Outbox.objects.all().delete()  # the record's creation wrote its own entry
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = transition_perform(
            record=record,
            name="schedule",
            user=role_user("sales_assistant"),
            data=step_data(Job, "schedule"),
        )
    assert queued_tasks == []  # a test's transaction never commits: no broker is needed
    ct = ContentType.objects.get_for_model(record)
    (entry,) = Outbox.objects.all()
    assert (entry.task, entry.args, entry.done_at) == (
        "workflows.tasks.notify_step",
        [ct.pk, record.pk, 2],
        None,
    )

    for callback in callbacks:
        callback()

    assert queued_tasks == [("workflows.tasks.deliver_outbox", (entry.pk,))]


class Boom(Exception):
    pass


def test_a_transition_rolled_back_writes_and_queues_no_notification(
    role_user, queued_tasks, django_capture_on_commit_callbacks
):
    record = JobFactory()
    before = set(Outbox.objects.values_list("pk", flat=True))

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        transition_perform(
            record=record,
            name="schedule",
            user=role_user("sales_assistant"),
            data=step_data(Job, "schedule"),
        )
        assert Outbox.objects.count() == len(before) + 1
        raise Boom  # whatever fails later in the same transaction

    assert callbacks == []
    assert queued_tasks == []
    assert set(Outbox.objects.values_list("pk", flat=True)) == before
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("new", 1)


# --- Diagram ----------------------------------------------------------------------------


def test_record_page_diagram_marks_the_current_state_only(advance, role_user, client_for):
    record = advance(JobFactory(), "working")

    html = client_for(role_user("sample_room")).get(record.get_absolute_url()).content.decode()

    groups = re.findall(r"<g\b[^>]*\bdata-state=\"[^\"]*\"[^>]*>", html)
    states = {re.search(r'data-state="([^"]*)"', g)[1]: g for g in groups}
    assert set(states) == set(Job.State.values)
    current = [s for s, tag in states.items() if 'aria-current="step"' in tag]
    assert current == ["working"]
    assert "current" in re.search(r'class="([^"]*)"', states["working"])[1].split()


def test_process_diagram_of_the_list_marks_no_state(role_user, client_for):
    response = client_for(role_user("sample_room")).get(
        reverse("workflows:diagram", args=["testflows", "job"])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert 'data-state="new"' in svg
    assert 'aria-current="step"' not in svg


# --- Inbox ------------------------------------------------------------------------------


def inbox_refs(client) -> list[str]:
    response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 200
    return [record.reference for _section, record in response.context["rows"]]


def test_inbox_lists_what_waits_for_the_users_roles_most_urgent_first(role_user, client_for):
    later = JobFactory()
    sooner = JobFactory()
    no_deadline = JobFactory()
    JobFactory(state="planned")  # the sample room's, not the sales assistant's
    JobFactory(state="cancelled")
    now = timezone.now()
    Job.objects.filter(pk=later.pk).update(step_due_at=now + timedelta(days=3))
    Job.objects.filter(pk=sooner.pk).update(step_due_at=now + timedelta(days=1))
    Job.objects.filter(pk=no_deadline.pk).update(step_due_at=None)

    refs = inbox_refs(client_for(role_user("sales_assistant")))

    assert refs == [sooner.reference, later.reference, no_deadline.reference]


def test_inbox_of_a_requester_holds_only_their_own_records(client_for):
    mine = JobFactory(state="delivered")
    theirs = JobFactory(state="delivered")

    refs = inbox_refs(client_for(mine.requester))

    assert mine.reference in refs
    assert theirs.reference not in refs


def test_a_step_kept_out_of_the_inbox_does_not_list_the_record(client_for):
    # Cancelling is possible from "planned", but nobody is expected to do it:
    # the requester's inbox stays clear of jobs waiting for the sample room.
    assert step_of(Job.transition_named("cancel")[0]).inbox is False
    waiting = JobFactory(state="planned")
    actionable = JobFactory(state="delivered", requester=waiting.requester)

    refs = inbox_refs(client_for(waiting.requester))

    assert actionable.reference in refs
    assert waiting.reference not in refs


def test_inbox_holds_a_rejected_job_until_the_department_has_signed(advance, role_user, client_for):
    record = advance(JobFactory(), "rejected")
    qa = client_for(role_user("qa"))
    room = client_for(role_user("sample_room"))
    assert record.reference in inbox_refs(qa)

    qa.post(
        reverse("testflows:job_sign", args=[record.pk]),
        {"role": "qa", "decision": "agree", "comment": "", "_seq": record.step_seq},
    )

    assert record.reference not in inbox_refs(qa)
    assert record.reference in inbox_refs(room)
    # The requester's redo now waits only for the sample room: on others.
    requester = client_for(record.requester).get(reverse("workflows:inbox"))
    assert record.reference not in [r.reference for _s, r in requester.context["rows"]]
    ((_section, waiting),) = requester.context["waiting"]
    assert waiting.reference == record.reference
    assert [str(r) for r in waiting.waiting_on] == ["Sample room"]


def test_inbox_of_a_user_without_roles_is_empty(client_for):
    JobFactory()

    response = client_for(UserFactory()).get(reverse("workflows:inbox"))

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert 'data-testid="inbox-empty"' in response.content.decode()


# --- Admin step view: malformed input -----------------------------------------------------


def test_admin_step_view_with_a_malformed_page_number_changes_nothing(client_for):
    # A tampered or truncated form must not crash the admin; like the record
    # page, it refuses a POST without a readable "_seq" as stale.
    manager = UserFactory(is_staff=True, roles=["marketing_manager", "sales_assistant"])
    record = JobFactory()
    data = {**step_data(Job, "schedule"), "_seq": "2x"}
    data["due_date"] = data["due_date"].isoformat()

    response = client_for(manager).post(admin_step_url(record, "schedule"), data)

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.step_seq) == ("new", 1)
