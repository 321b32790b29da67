"""What a notification says and where it leads: the record's subject named,
the text rendered in the language its reader sees the site in when reading
it (emails in the language chosen for them), plain-text emails written as
typed, older rows read from their stored text, and opening one marks it read
on the way to its record, and only to its record."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from tests.factories import CustomerFactory, UserFactory
from tests.testflows.kit import JobFactory
from tests.testflows.models import Job
from workflows.models import Notification, NotificationSettings
from workflows.notify.email import digests_send, emails_send
from workflows.tasks import notify_step

pytestmark = [pytest.mark.django_db]

LIST = reverse("workflows:notifications")
MENU = reverse("workflows:notifications_menu")


def open_url(note: Notification) -> str:
    return reverse("workflows:notification_open", args=[note.pk])


def told_of_schedule(advance, role_user, title: str = "Ceramic mug", **data) -> tuple:
    """A job for Lakeside the sales assistant scheduled (with ``data`` for the
    step), and the notification of the sample room, who starts it next. Its
    subject: "<title> · Lakeside"."""
    room = role_user("sample_room")
    record = advance.take(
        JobFactory(title=title, customer=CustomerFactory(name="Lakeside")),
        "schedule",
        data,
        user=role_user("sales_assistant"),
    )
    notify_step(ContentType.objects.get_for_model(record).pk, record.pk, record.step_seq)
    return record, room, Notification.objects.get(recipient=room)


# --- What it says --------------------------------------------------------------------------


def test_a_notification_names_the_records_subject_in_its_line(advance, role_user):
    record, _room, note = told_of_schedule(advance, role_user)

    assert note.template == "emails/step_entered.txt"
    assert note.params["subject"] == "Ceramic mug · Lakeside"
    assert (note.params["ref"], note.params["state"]) == (record.reference, "planned")
    assert note.render("en")[0] == (
        f"{record.reference} Ceramic mug · Lakeside (Test jobs) is now “Planned”"
    )
    assert note.render("zh-hans")[0] == (
        f"{record.reference} Ceramic mug · Lakeside（测试工单）已进入“已排期”"
    )


def test_the_list_and_the_bell_render_it_in_the_language_the_page_is_read_in(
    advance, role_user, client_for
):
    record, room, note = told_of_schedule(advance, role_user)
    NotificationSettings.objects.create(user=room, language="en")  # emails only

    english = client_for(room).get(LIST).content.decode()
    chinese = client_for(room, language="zh-hans").get(LIST).content.decode()
    bell = client_for(room, language="zh-hans").get(MENU).content.decode()

    assert f"{record.reference} Ceramic mug · Lakeside (Test jobs) is now “Planned”" in english
    assert f"{record.reference} Ceramic mug · Lakeside（测试工单）已进入“已排期”" in chinese
    assert "已进入“已排期”" in bell and "is now" not in bell
    # The email follows the language chosen for notifications, whatever the page's.
    emails_send()
    (email,) = mail.outbox
    assert email.subject == note.render("en")[0]
    assert "Due: " in email.body and email.body.endswith(record.get_absolute_url())


def test_the_subject_is_kept_in_each_language_when_it_reads_differently(
    advance, role_user, monkeypatch
):
    """A subject made with a label (a board's kind) is stored for each
    language and read in the reader's."""
    monkeypatch.setattr(
        Job,
        "subject",
        property(lambda self: f"{self.get_state_display()} · {self.title}"),
    )
    record, _room, note = told_of_schedule(advance, role_user, title="Mug")

    assert note.params["subject"] == {"en": "Planned · Mug", "zh-hans": "已排期 · Mug"}
    assert note.render("en")[0].startswith(f"{record.reference} Planned · Mug (")
    assert note.render("zh-hans")[0].startswith(f"{record.reference} 已排期 · Mug（")


def test_a_row_made_before_message_keys_reads_its_stored_text(client_for):
    user = UserFactory()
    old = Notification.objects.create(
        recipient=user,
        key="step:old",
        message="SP-2026-0001（样品制作）已进入“已下达工单”",
        body="SP-2026-0001（样品制作）已进入“已下达工单”\n截止时间：2026-11-30 18:00",
        email_pending=True,
    )

    for language in ("en", "zh-hans"):
        page = client_for(user, language=language).get(LIST).content.decode()
        assert "SP-2026-0001（样品制作）已进入“已下达工单”" in page
    assert old.render("en") == (old.message, old.body)
    emails_send()
    (email,) = mail.outbox
    assert (email.subject, email.body) == (old.message, old.body)


# --- Plain text stays as typed; pages escape it --------------------------------------------


TYPED = 'Tom & Jerry\'s <b>"best"</b> mug'


def test_a_plain_text_email_is_not_html_escaped(advance, role_user, client_for):
    record, room, _note = told_of_schedule(advance, role_user, title=TYPED, comment=TYPED)

    emails_send()

    (email,) = mail.outbox  # in the site's language: the sample room chose none
    assert email.subject.startswith(f"{record.reference} {TYPED} · Lakeside（测试工单）")
    assert f"意见：{TYPED}" in email.body
    assert "&amp;" not in email.body and "&lt;" not in email.body and "&#x27;" not in email.body
    # The pages escape it as any other text.
    page = client_for(room).get(LIST).content.decode()
    assert "Tom &amp; Jerry&#x27;s &lt;b&gt;&quot;best&quot;&lt;/b&gt; mug" in page
    assert "<b>" not in page


def test_the_digest_is_not_html_escaped(role_user):
    clerk = role_user("sample_room")
    NotificationSettings.objects.create(user=clerk, email="digest")
    record = JobFactory(state="planned", title=TYPED)
    Job.objects.filter(pk=record.pk).update(step_due_at=record.created_at)

    assert digests_send() == 1

    (email,) = mail.outbox
    assert TYPED in email.body and "&amp;" not in email.body


# --- Opening one ---------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_leads_to_its_record(
    advance, role_user, client_for
):
    record, room, note = told_of_schedule(advance, role_user)
    client = client_for(room)

    response = client.get(open_url(note))

    assert response.status_code == 302 and response.url == record.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None
    first_read = note.read_at
    assert client.get(open_url(note)).url == record.get_absolute_url()  # again: still read
    note.refresh_from_db()
    assert note.read_at == first_read


def test_it_leads_only_to_the_records_own_page_whatever_the_stored_address(
    advance, role_user, client_for
):
    record, room, note = told_of_schedule(advance, role_user)
    Notification.objects.filter(pk=note.pk).update(url="https://evil.example.com/")

    response = client_for(room).get(open_url(note))

    assert response.url == record.get_absolute_url()


def test_someone_elses_notification_is_not_found_and_stays_unread(advance, role_user, client_for):
    _record, _room, note = told_of_schedule(advance, role_user)

    assert client_for(UserFactory()).get(open_url(note)).status_code == 404
    assert client_for(None).get(open_url(note)).status_code == 302  # to the login page
    note.refresh_from_db()
    assert note.read_at is None


def test_a_notification_whose_record_is_gone_leads_to_the_list(client_for):
    user = UserFactory()
    note = Notification.objects.create(
        recipient=user,
        key="gone",
        content_type=ContentType.objects.get_for_model(Job),
        object_id=987654,
        template="emails/step_entered.txt",
        params={"model": "testflows.job", "ref": "JB-2026-9999", "state": "planned"},
    )

    response = client_for(user).get(open_url(note), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "no longer exists" in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_list_links_each_notification_through_the_opening_view(advance, role_user, client_for):
    record, room, note = told_of_schedule(advance, role_user)

    page = client_for(room).get(LIST).content.decode()

    assert f'href="{open_url(note)}"' in page
    assert f'href="{record.get_absolute_url()}"' not in page


# --- The bell's menu -----------------------------------------------------------------------


def notes_for(user, count: int) -> list[Notification]:
    return [
        Notification.objects.create(recipient=user, key=f"k{n}", message=f"Message number {n}")
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 30])
def test_the_bell_menu_lists_the_latest_five_unread_in_constant_queries(
    count, client_for, django_assert_num_queries
):
    user = UserFactory()
    notes = notes_for(user, count)
    Notification.objects.filter(pk=notes[-1].pk).update(read_at=notes[-1].created_at)
    client = client_for(user)
    client.get(MENU)  # the session is warm

    # The session, the user, the latest unread and (five or more) their count.
    with django_assert_num_queries(4 if count > 5 else 3):
        response = client.get(MENU)

    body = response.content.decode()
    unread = count - 1  # the newest is read
    shown = [n for n in range(count) if f">Message number {n}<" in body]
    assert "no-store" in response["Cache-Control"]
    assert f'data-bell-count="{unread}"' in body
    assert body.count('data-testid="bell-item"') == min(5, unread)
    assert shown == list(range(max(0, unread - 5), unread))  # the latest unread
    assert f'href="{open_url(notes[unread - 1])}"' in body


def test_the_bell_menu_says_when_nothing_is_unread(client_for):
    body = client_for(UserFactory()).get(MENU).content.decode()

    assert 'data-testid="bell-empty"' in body and 'data-bell-count="0"' in body


def test_every_page_has_the_bell_menu_with_a_link_to_the_full_list(client_for):
    body = client_for(UserFactory()).get(reverse("workflows:inbox")).content.decode()

    assert f'data-bell-menu="{MENU}"' in body
    assert 'data-testid="bell-all"' in body and f'href="{LIST}"' in body
    assert "js/bell" in body
