"""What is special to customer complaints (the contract suite, tests/contract,
takes every step over HTTP): containment by severity, the severity clock on
the working calendar, no self-approval, rounds kept on reopening, the
effectiveness check, recurrence at the 12-month boundary, actions in their
owners' inboxes, query bounds, the printout, and the bad input the 8D refuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints.models import (
    Complaint,
    ComplaintAction,
    Severity,
    SeverityClock,
    year_before,
)
from tests.complaints.kit import (
    ActionFactory,
    ComplaintFactory,
    DefectCategoryFactory,
    complaint_create_data,
)
from tests.factories import CustomerFactory, UserFactory, in_days, make_png
from tests.kits import post_data, snapshot
from tests.workflow_checks import messages_of, step_url, together
from workflows import calendar
from workflows.calendar import end_of
from workflows.models import Attachment, CalendarDay, Notification, Reminder
from workflows.notify.scan import reminders_scan
from workflows.selectors import inbox
from workflows.services import StepNotAvailable, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def post_step(client: Any, record: Any, name: str, **overrides: Any) -> Any:
    record.refresh_from_db()
    return client.post(
        step_url(record, name), post_data(record, name, seq=record.step_seq, **overrides)
    )


def todo(user: Any, model: type = Complaint) -> set[str]:
    """The references of ``model`` the user's inbox has to do."""
    return {r.reference for s in inbox(user) if s.model is model for r in s.records}


def form_errors(response: Any, name: str) -> dict[str, list[str]]:
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["action"].name == name
    return opened["form"].errors


# --- D3: containment by severity ---------------------------------------------------------


@pytest.mark.parametrize("severity", [Severity.CRITICAL, Severity.MAJOR])
def test_containment_is_required_before_a_critical_or_major_complaint_goes_further(
    severity, role_user, client_for
):
    record = ComplaintFactory(state=Complaint.State.INVESTIGATING, severity=severity)
    before = snapshot(record)

    response = post_step(
        client_for(role_user("qa")),
        record,
        "define_problem",
        containment="",
        containment_owner="",
        containment_done_on=None,
    )

    assert response.status_code == 400
    errors = form_errors(response, "define_problem")
    for field in ("containment", "containment_owner", "containment_done_on"):
        assert errors[field] == [
            "Containment is required before a critical or major complaint can go further."
        ]
    assert snapshot(record) == before


def test_a_minor_complaint_goes_on_without_containment(role_user, client_for):
    record = ComplaintFactory(state=Complaint.State.INVESTIGATING, severity=Severity.MINOR)

    response = post_step(
        client_for(role_user("qa")),
        record,
        "define_problem",
        containment="",
        containment_owner="",
        containment_done_on=None,
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == Complaint.State.ROOT_CAUSE
    assert record.containment == ""


# --- The clocks --------------------------------------------------------------------------

MONDAY = dt.date(2026, 9, 28)  # the week before the National Day holidays


@pytest.mark.parametrize(
    ("severity", "kept", "expected"),
    [
        # Critical: 2 working days; the 29th is made a holiday.
        (Severity.CRITICAL, None, dt.date(2026, 10, 1)),
        # Major: 3 working days as kept in the admin, the holiday skipped.
        (Severity.MAJOR, 3, dt.date(2026, 10, 2)),
        # Major: 4 working days, the weekend skipped too.
        (Severity.MAJOR, 4, dt.date(2026, 10, 5)),
        # Minor: 10 working days by default; Saturday the 10th is worked (调休).
        (Severity.MINOR, None, dt.date(2026, 10, 12)),
    ],
)
def test_the_root_cause_clock_counts_the_severitys_working_days_on_the_calendar(
    severity, kept, expected, monkeypatch, advance
):
    CalendarDay.objects.create(date=dt.date(2026, 9, 29), working=False)
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), working=True)
    if kept is not None:
        SeverityClock.objects.create(severity=severity, working_days=kept)
    monkeypatch.setattr(calendar.timezone, "localdate", lambda: MONDAY)
    monkeypatch.setattr("complaints.models.timezone.localdate", lambda: MONDAY)
    record = ComplaintFactory(severity=severity, received_on=MONDAY - dt.timedelta(days=1))

    record = advance.take(record, "acknowledge")

    assert record.investigation_started_on == MONDAY
    assert record.step_due_at == end_of(expected)
    # D1–D3 keep the same clock: it runs to the root cause.
    record = advance.take(record, "define_problem")
    assert record.state == Complaint.State.ROOT_CAUSE
    assert record.step_due_at == end_of(expected)


def test_a_complaint_must_be_acknowledged_within_a_working_day(role_user):
    record = ComplaintFactory()

    assert record.step_due_at == end_of(calendar.add_working_days(timezone.localdate(), 1))


# --- Nobody approves a solution they wrote -------------------------------------------------


def test_nobody_approves_a_solution_they_wrote(role_user, client_for, advance):
    author = UserFactory(roles=["qa"])
    record = ComplaintFactory(state=Complaint.State.ACTIONS)
    ActionFactory(complaint=record)
    record = transition_perform(
        record=record,
        name="propose_solution",
        user=author,
        data={"solution": "A new die and a leak test of every lid."},
    )
    assert record.solution_by == author
    before = snapshot(record)

    response = post_step(client_for(author), record, "approve_solution")

    assert response.status_code == 403
    assert "You cannot approve a request of your own." in response.content.decode()
    assert snapshot(record) == before
    # Not in the author's inbox, in another QA member's.
    other = UserFactory(roles=["qa"])
    assert record.reference not in todo(author)
    assert record.reference in todo(other)
    response = post_step(client_for(other), record, "approve_solution")
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.approved_by) == (Complaint.State.APPROVED, other)


def test_the_author_is_not_offered_the_approval_on_the_page(client_for):
    author = UserFactory(roles=["qa"])
    record = ComplaintFactory(state=Complaint.State.SOLUTION_PROPOSED, solution_by=author)

    page = client_for(author).get(record.get_absolute_url())
    names = [a["action"].name for a in page.context["actions"]]

    assert "approve_solution" not in names
    other = client_for(UserFactory(roles=["qa"])).get(record.get_absolute_url())
    assert "approve_solution" in [a["action"].name for a in other.context["actions"]]


# --- Reopening keeps every round -----------------------------------------------------------


def approved(advance: Any, **fields: Any) -> Complaint:
    return advance(ComplaintFactory(**fields), Complaint.State.APPROVED)


def verify_actions(record: Complaint) -> None:
    record.actions.update(state=ComplaintAction.State.VERIFIED)


def test_reopening_keeps_every_earlier_round_on_the_record(advance, client_for, role_user):
    record = approved(advance)
    first_solution = record.solution
    record = advance.take(
        record, "reopen", {"reply": "The customer wants the supplier's side too."}
    )
    assert (record.state, record.round) == (Complaint.State.INVESTIGATING, 2)
    assert record.solution_by is None and record.approved_by is None

    record = advance(record, Complaint.State.APPROVED)
    verify_actions(record)
    record = advance.take(record, "close")
    record = advance.take(
        record, "not_effective", {"effectiveness": "Leaks again in the December lot."}
    )

    assert (record.state, record.round) == (Complaint.State.INVESTIGATING, 3)
    rounds = list(record.rounds.order_by("number"))
    assert [r.number for r in rounds] == [1, 2]
    assert rounds[0].solution == first_solution
    assert rounds[0].reopened_because == "The customer wants the supplier's side too."
    assert rounds[0].occurrence_whys[0] == "The sealing ring is too thin"
    assert rounds[1].reopened_because == "Leaks again in the December lot."
    assert rounds[1].reply == "8D report sent; replacement shipped."
    # The actions of both rounds stay, each with its round.
    assert set(record.actions.values_list("round", flat=True)) == {1, 2}

    page = client_for(role_user("qa")).get(record.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="rounds"' in html
    assert "Round 1" in html and "Round 2" in html


# --- The effectiveness check ---------------------------------------------------------------


def test_the_effectiveness_check_falls_due_thirty_days_after_closing(advance, role_user):
    record = approved(advance)
    verify_actions(record)
    before = timezone.now()

    record = advance.take(record, "close")

    assert record.state == Complaint.State.CLOSED
    assert not record.is_final
    due = record.step_due_at - before
    assert dt.timedelta(days=30) <= due <= dt.timedelta(days=30, minutes=1)
    assert "confirm_effective" in [t.name for t in record.expected_transitions()]


def test_the_effectiveness_check_is_sent_once_however_often_the_scan_runs(advance, role_user):
    qa = role_user("qa")
    record = approved(advance)
    verify_actions(record)
    record = advance.take(record, "close")
    due = record.step_due_at + dt.timedelta(minutes=1)

    first = reminders_scan(due)
    again = reminders_scan(due)

    assert first.reminders >= 1
    assert not again.reminders
    keys = Reminder.objects.filter(object_id=record.pk, step_seq=record.step_seq)
    assert list(keys.values_list("kind", flat=True)) == ["due"]
    reminded = Notification.objects.filter(recipient=qa, template="emails/reminder.txt")
    assert reminded.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_two_workers_send_the_effectiveness_check_once():
    qa = UserFactory(roles=["qa"])
    records = [ComplaintFactory(state=Complaint.State.CLOSED) for _ in range(10)]
    due = max(r.step_due_at for r in records) + dt.timedelta(minutes=1)
    Complaint.objects.update(step_due_at=due - dt.timedelta(minutes=2))

    outcomes = together(lambda: reminders_scan(due), lambda: reminders_scan(due))

    assert sum(o.reminders for o in outcomes) == len(records)
    assert Reminder.objects.filter(kind="due").count() == len(records)
    keys = list(Notification.objects.filter(recipient=qa).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == len(records)


# --- Recurrence ----------------------------------------------------------------------------

NOVEMBER_20 = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("earlier", "recurs"),
    [
        (dt.date(2025, 11, 20), True),  # exactly 12 months before
        (dt.date(2025, 11, 19), False),  # a day more
        (dt.date(2026, 11, 19), True),
        (dt.date(2026, 11, 20), True),  # the same day
    ],
)
def test_a_complaint_like_one_of_the_last_twelve_months_is_a_recurrence(earlier, recurs):
    customer, category = CustomerFactory(), DefectCategoryFactory()
    first = ComplaintFactory(
        customer=customer, category=category, product_name="Flask 500", received_on=earlier
    )

    new = ComplaintFactory(
        customer=customer, category=category, product_name="FLASK 500", received_on=NOVEMBER_20
    )

    new.refresh_from_db()
    assert new.is_recurrence is recurs
    assert new.recurrence_of == (first if recurs else None)


def test_a_recurrence_needs_the_same_customer_product_and_category():
    customer, category = CustomerFactory(), DefectCategoryFactory()
    ComplaintFactory(customer=customer, category=category, product_name="Flask 500")

    others = [
        ComplaintFactory(category=category, product_name="Flask 500"),
        ComplaintFactory(customer=customer, product_name="Flask 500"),
        ComplaintFactory(customer=customer, category=category, product_name="Lunch box"),
    ]

    assert not any(Complaint.objects.get(pk=c.pk).is_recurrence for c in others)


def test_the_twelve_months_end_on_the_28th_for_a_leap_day():
    assert year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert year_before(dt.date(2026, 3, 31)) == dt.date(2025, 3, 31)


def test_a_recurrence_shows_the_earlier_complaints_and_is_filtered(client_for, role_user):
    customer, category = CustomerFactory(), DefectCategoryFactory()
    first = ComplaintFactory(
        customer=customer, category=category, product_name="Flask", received_on=in_days(-90)
    )
    second = ComplaintFactory(
        customer=customer, category=category, product_name="Flask", received_on=in_days(-30)
    )
    third = ComplaintFactory(customer=customer, category=category, product_name="Flask")
    client = client_for(role_user("qa"))

    html = client.get(third.get_absolute_url()).content.decode()

    assert 'data-testid="recurrence"' in html
    assert first.reference in html and second.reference in html
    listed = client.get(reverse("complaints:complaint_list"), {"is_recurrence": "true"})
    assert {r.reference for r in listed.context["records"]} == {second.reference, third.reference}


# --- Actions are their owners' tasks -------------------------------------------------------


def test_each_action_is_a_task_in_its_owners_inbox_with_its_own_clock(client_for, role_user):
    owner, colleague = UserFactory(roles=["production"]), UserFactory(roles=["production"])
    record = ComplaintFactory(state=Complaint.State.ACTIONS)

    response = post_step(
        client_for(role_user("qa")),
        record,
        "add_action",
        owner=owner.pk,
        due_date=in_days(9),
        action="Replace the ring die",
    )

    assert response.status_code == 302
    action = ComplaintAction.objects.get(complaint=record)
    assert response.url == action.get_absolute_url()
    assert (action.owner, action.round, action.state) == (owner, 1, ComplaintAction.State.OPEN)
    assert action.step_due_at == end_of(in_days(9))
    record.refresh_from_db()
    assert record.state == Complaint.State.ACTIONS  # the complaint stays where it was

    assert action.reference in todo(owner, ComplaintAction)
    assert action.reference not in todo(colleague, ComplaintAction)
    page = client_for(owner).get(action.get_absolute_url())
    assert "action_done" in [a["action"].name for a in page.context["actions"]]


def test_the_actions_list_has_no_create_button(client_for, role_user):
    ActionFactory()

    page = client_for(role_user("qa")).get(reverse("complaints:complaintaction_list"))

    assert page.status_code == 200
    assert 'data-testid="create"' not in page.content.decode()


# --- Bad input -----------------------------------------------------------------------------


def test_an_action_due_before_the_complaint_was_received_is_refused(client_for, role_user):
    record = ComplaintFactory(state=Complaint.State.ACTIONS, received_on=in_days(-10))
    before = snapshot(record)

    response = post_step(client_for(role_user("qa")), record, "add_action", due_date=in_days(-11))

    assert response.status_code == 400
    assert form_errors(response, "add_action")["due_date"] == [
        f"An action cannot be due before the complaint was received ({in_days(-10)})."
    ]
    assert snapshot(record) == before


@pytest.mark.parametrize("kind", ["occurrence", "escape"])
def test_a_five_why_with_an_empty_why_between_two_answered_ones_is_refused(
    kind, client_for, role_user
):
    record = ComplaintFactory(state=Complaint.State.ROOT_CAUSE)
    before = snapshot(record)

    response = post_step(
        client_for(role_user("qa")),
        record,
        "record_root_cause",
        **{f"{kind}_why2": "", f"{kind}_why3": "The die has no replacement interval"},
    )

    assert response.status_code == 400
    assert form_errors(response, "record_root_cause")[f"{kind}_why2"] == [
        "Answer this “why” too: the chain may not skip one."
    ]
    assert snapshot(record) == before


def test_closing_with_actions_still_open_is_refused(advance, client_for):
    record = approved(advance)
    assert record.actions.filter(state=ComplaintAction.State.OPEN).exists()
    before = snapshot(record)
    user = advance.actor(record, "close")

    response = client_for(user).post(
        step_url(record, "close"), post_data(record, "close", seq=record.step_seq), follow=True
    )

    assert response.status_code == 200
    assert "Actions are still open" in messages_of(response)[0]
    assert snapshot(record) == before
    with pytest.raises(StepNotAvailable):
        transition_perform(record=record, name="close", user=user, data={})
    # The page shows the step disabled, with its reason.
    page = client_for(user).get(record.get_absolute_url())
    (close,) = [a["action"] for a in page.context["actions"] if a["action"].name == "close"]
    assert not close.enabled
    assert "Actions are still open" in str(close.reason)


def test_evidence_that_is_not_what_its_name_says_is_refused(role_user, client_for, media_root):
    record = ComplaintFactory()
    before = snapshot(record)
    fake = SimpleUploadedFile("photo.pdf", make_png(), content_type="application/pdf")
    data = post_data(record, "acknowledge", seq=record.step_seq)

    response = client_for(record.salesperson).post(
        step_url(record, "acknowledge"), {**data, "attachment": fake}
    )

    assert response.status_code == 400
    assert form_errors(response, "acknowledge")["attachment"]
    assert Attachment.objects.count() == 0
    assert snapshot(record) == before


def test_evidence_attached_when_acknowledging_is_kept(role_user, client_for, media_root):
    record = ComplaintFactory()
    photo = SimpleUploadedFile("leak.png", make_png(), content_type="image/png")
    data = post_data(record, "acknowledge", seq=record.step_seq)

    response = client_for(record.salesperson).post(
        step_url(record, "acknowledge"), {**data, "attachment": photo}
    )

    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "leak.png"


# --- Pages and their query bounds ----------------------------------------------------------


def complaint_with_actions(n: int) -> Complaint:
    record = ComplaintFactory(state=Complaint.State.ACTIONS)
    owners = UserFactory.create_batch(3, roles=["production"])
    for i in range(n):
        ActionFactory(
            complaint=record, owner=owners[i % 3], kind=("corrective", "preventive")[i % 2]
        )
    return record


@pytest.mark.parametrize("page", ["detail", "print"])
def test_a_complaint_with_thirty_actions_costs_what_one_with_one_does(
    page, client_for, role_user, django_assert_max_num_queries
):
    client = client_for(role_user("qa"))
    small, large = complaint_with_actions(1), complaint_with_actions(30)
    address = lambda r: reverse(f"complaints:complaint_{page}", args=[r.pk])  # noqa: E731
    client.get(address(small))  # warm the caches of the session and the content types

    with django_assert_max_num_queries(22) as one:
        assert client.get(address(small)).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(address(large))

    assert response.status_code == 200
    assert response.content.decode().count("CA-") >= 30


def test_the_report_prints_the_8d_in_chinese_and_english(advance, client_for, role_user):
    record = approved(advance, severity=Severity.CRITICAL)
    client = client_for(role_user("qa"))
    url = reverse("complaints:complaint_print", args=[record.pk])

    english = client.get(url).content.decode()
    chinese = client_for(role_user("qa"), language="zh-hans").get(url).content.decode()

    for text in ("Complaint handling report", "D1 team", "D3 containment", "D4 root cause"):
        assert text in english
    for text in ("客户投诉处理报告", "纠正措施", "预防措施", "根本原因"):
        assert text in chinese
    assert "The sealing ring is too thin" in english
    assert record.reference in chinese


def test_the_customers_page_lists_their_complaints(client_for, role_user):
    record = ComplaintFactory()
    other = ComplaintFactory()
    client = client_for(role_user("marketing_manager"))

    html = client.get(reverse("orders:customer_detail", args=[record.customer_id])).content.decode()

    assert record.reference in html
    assert other.reference not in html


def test_a_complaint_names_only_the_customers_own_order_and_shipment(client_for, role_user):
    from tests.orders.kit import NoticeFactory, OrderFactory

    sales = role_user("sales")
    mine, theirs = CustomerFactory(), CustomerFactory()
    order = OrderFactory(customer=theirs, salesperson=sales)
    notice = NoticeFactory(order=order)
    data = complaint_create_data(sales)
    data.update(customer=mine.pk, order=order.pk, shipping_notice=notice.pk)
    before = Complaint.objects.count()

    response = client_for(sales).post(reverse("complaints:complaint_create"), data)

    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert errors["order"] == ["This is another customer's order."]
    assert errors["shipping_notice"] == ["This is another customer's shipping notice."]
    assert Complaint.objects.count() == before
