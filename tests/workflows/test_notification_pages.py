"""The bell's pages (list, mark read, settings) and where escalations show:
on the record and in the manager's inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, make_png
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.models import (
    Escalation,
    EscalationRule,
    Notification,
    NotificationSettings,
)
from workflows.notify.email import emails_send
from workflows.notify.scan import reminders_scan
from workflows.services import attachment_add
from workflows.tasks import notify_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SETTINGS = reverse("workflows:notification_settings")
LIST = reverse("workflows:notifications")
READ = reverse("workflows:notifications_read")


def notify(user, n: int = 1) -> list[Notification]:
    return [
        Notification.objects.create(recipient=user, key=f"test:{user.pk}:{i}", message=f"note {i}")
        for i in range(n)
    ]


def test_settings_page_shows_the_choice_and_the_address(client_for):
    user = UserFactory(email="li@example.com")
    response = client_for(user).get(SETTINGS)

    assert response.status_code == 200
    body = response.content.decode()
    assert "li@example.com" in body
    assert 'value="immediate"' in body and 'value="digest"' in body and 'value="off"' in body
    assert not NotificationSettings.objects.exists()  # looking saves nothing


def test_choosing_the_digest_is_saved_and_can_be_changed_back(client_for):
    user = UserFactory()
    client = client_for(user)

    response = client.post(SETTINGS, {"email": "digest"})

    assert response.status_code == 302
    assert NotificationSettings.email_mode(user) == "digest"
    client.post(SETTINGS, {"email": "immediate"})
    assert NotificationSettings.objects.get(user=user).email == "immediate"
    assert NotificationSettings.objects.count() == 1


@pytest.mark.parametrize("value", ["", "weekly", "x" * 100])
def test_a_wrong_choice_is_refused_with_a_message_and_nothing_saved(client_for, value):
    user = UserFactory()
    response = client_for(user).post(SETTINGS, {"email": value})

    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert not NotificationSettings.objects.exists()


def test_a_user_without_an_address_is_told_no_email_can_reach_them(client_for):
    user = UserFactory(email="")
    response = client_for(user).get(SETTINGS)

    assert b'data-testid="no-email"' in response.content


def test_the_list_shows_only_the_users_own_notifications_and_filters_unread(client_for):
    user, other = UserFactory(), UserFactory()
    read, unread = notify(user, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    notify(other)
    client = client_for(user)

    everything = client.get(LIST)
    only_unread = client.get(LIST, {"unread": "1"})

    assert list(everything.context["page_obj"]) == [unread, read]
    assert list(only_unread.context["page_obj"]) == [unread]


def test_mark_one_read_then_all(client_for):
    user = UserFactory()
    first, second, third = notify(user, 3)
    client = client_for(user)

    client.post(READ, {"id": first.pk})
    assert set(user.notifications.filter(read_at__isnull=True)) == {second, third}
    client.post(READ)
    assert not user.notifications.filter(read_at__isnull=True).exists()


def test_marking_someone_elses_or_a_malformed_id_changes_nothing(client_for):
    user, other = UserFactory(), UserFactory()
    (theirs,) = notify(other)
    (mine,) = notify(user)
    client = client_for(user)

    assert client.post(READ, {"id": theirs.pk}).status_code == 302
    response = client.post(READ, {"id": "1 OR 1=1"}, follow=True)

    assert response.status_code == 200
    assert "does not exist" in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    assert not Notification.objects.get(pk=mine.pk).read_at


def test_mark_read_returns_to_the_page_it_came_from_but_never_off_site(client_for):
    user = UserFactory()
    (note,) = notify(user)
    client = client_for(user)

    back = client.post(READ, {"id": note.pk, "next": f"{LIST}?unread=1&page=2"})
    away = client.post(READ, {"next": "https://evil.example.com/"})

    assert back.url == f"{LIST}?unread=1&page=2"
    assert away.url == LIST


def test_the_bell_counts_unread_notifications(client_for):
    user = UserFactory()
    notify(user, 3)
    response = client_for(user).get(reverse("workflows:inbox"))

    assert b'data-testid="unread">3<' in response.content


@pytest.fixture
def escalated(role_user):
    """A job overdue for the sample room past its limit, escalated by a scan."""
    manager = UserFactory(first_name="王建国")
    EscalationRule.objects.create(role="sample_room", manager=manager, after=dt.timedelta(days=1))
    room = role_user("sample_room")
    record = JobFactory(state="planned")
    due = timezone.now() - dt.timedelta(days=3)
    Job.objects.filter(pk=record.pk).update(step_due_at=due)
    record.refresh_from_db()
    result = reminders_scan()
    assert result.escalations == 1
    return record, manager, room


def test_the_manager_sees_the_escalation_in_the_inbox_and_may_open_the_record(
    escalated, client_for
):
    record, manager, _room = escalated
    client = client_for(manager)

    inbox = client.get(reverse("workflows:inbox"))
    page = client.get(record.get_absolute_url())

    assert [e.object_id for e in inbox.context["escalations"]] == [record.pk]
    assert record.reference in inbox.content.decode()
    assert page.status_code == 200
    assert [e.manager for e in page.context["escalations"]] == [manager]
    assert "escalated to 王建国" in page.content.decode()


def test_the_manager_may_open_the_records_attachments_but_no_other_record(
    escalated, client_for, media_root
):
    record, manager, room = escalated
    other = JobFactory()
    upload = SimpleUploadedFile("a.png", make_png(), content_type="image/png")
    attachment = attachment_add(record=record, user=room, upload=upload)
    client = client_for(manager)

    assert client.get(reverse("workflows:attachment", args=[attachment.pk])).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 403


def test_the_manager_reads_an_escalated_record_but_cannot_act_on_it(
    escalated, client_for, media_root
):
    record, manager, _room = escalated
    client = client_for(manager)
    page = client.get(record.get_absolute_url())
    upload = SimpleUploadedFile("a.png", make_png(), content_type="image/png")

    attach = client.post(
        reverse("testflows:job_attach", args=[record.pk]), {"file": upload, "_seq": 2}
    )
    step = client.post(
        reverse("testflows:job_step", kwargs={"pk": record.pk, "name": "start"}),
        {"_seq": record.step_seq},
    )

    assert page.context["takes_part"] is False
    attach_url = reverse("testflows:job_attach", args=[record.pk])
    assert f'action="{attach_url}"' not in page.content.decode()  # no attach form for a reader
    assert f'action="{attach_url}"' in client_for(_room).get(record.get_absolute_url()).text
    assert (attach.status_code, step.status_code) == (403, 403)
    record.refresh_from_db()
    assert record.state == "planned" and not record.attachments.exists()


def test_the_escalation_leaves_the_record_and_the_inbox_once_the_step_is_done(
    escalated, client_for, advance
):
    record, manager, _room = escalated
    advance(record, "working")

    client = client_for(manager)
    assert client.get(reverse("workflows:inbox")).context["escalations"] == []
    assert Escalation.objects.get().resolved_at is not None
    page = client.get(record.get_absolute_url())
    assert page.status_code == 200  # still readable by the one it was escalated to
    assert page.context["escalations"] == []
    (entry,) = [e for e in page.context["timeline"] if e["kind"] == "escalation"]
    assert entry["escalation"].manager == manager  # the timeline keeps it


def test_the_marketing_manager_keeps_the_escalation_rules_in_the_admin(role_user, client_for):
    keeper = role_user("marketing_manager")
    keeper.is_staff = True
    keeper.save()
    manager = UserFactory()
    client = client_for(keeper)
    url = reverse("admin:workflows_escalationrule_add")
    data = {"role": "sample_room", "manager": manager.pk, "after": "1 12:00:00"}

    added = client.post(url, data)
    again = client.post(url, {**data, "after": "2 00:00:00"})

    assert added.status_code == 302
    rule = EscalationRule.objects.get()
    assert (rule.role, rule.manager, rule.after) == (
        "sample_room",
        manager,
        dt.timedelta(days=1, hours=12),
    )
    assert again.status_code == 200 and again.context["adminform"].form.errors["role"]
    assert EscalationRule.objects.get().after == dt.timedelta(days=1, hours=12)
    # A salesperson is no admin user: sent to the admin's login.
    refused = client_for(role_user("sales")).get(url)
    assert refused.status_code == 302 and refused.url.startswith(reverse("admin:login"))


def test_a_user_chooses_the_language_of_their_notifications(client_for):
    user = UserFactory()
    client = client_for(user)

    assert client.post(SETTINGS, {"email": "immediate", "language": "en"}).status_code == 302
    assert NotificationSettings.language_of(user) == "en"
    refused = client.post(SETTINGS, {"email": "immediate", "language": "fr"})
    assert refused.status_code == 400 and refused.context["form"].errors["language"]
    client.post(SETTINGS, {"email": "immediate", "language": ""})
    user = type(user).objects.get(pk=user.pk)  # not the one holding the old settings
    assert NotificationSettings.language_of(user) == "zh-hans"  # the site's language


def test_each_reader_is_told_in_their_own_language(advance, role_user):
    english = role_user("sample_room")
    NotificationSettings.objects.create(user=english, language="en")
    chinese = role_user("sample_room", "qa")  # chose nothing: the site's language
    record = advance(JobFactory(), "planned")

    notify_step(ContentType.objects.get_for_model(record).pk, record.pk, record.step_seq)

    mine = Notification.objects.get(recipient=english)
    theirs = Notification.objects.get(recipient=chinese)
    # Each email in the language its reader chose; the notification itself
    # holds no language (the page renders it in the page's).
    emails_send()
    by_reader = {m.to[0]: m for m in mail.outbox}
    assert by_reader[english.email].subject == (
        f"{record.reference} {record.subject} (Test jobs) is now “Planned”"
    )
    assert (
        by_reader[chinese.email].subject
        == f"{record.reference} {record.subject}（测试工单）已进入“已排期”"
    )
    assert "Due: " in by_reader[english.email].body
    assert "截止时间：" in by_reader[chinese.email].body
    assert mine.render("en") == theirs.render("en")
    assert mine.render("zh-hans")[0] == by_reader[chinese.email].subject
