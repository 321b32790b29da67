"""What is special to the steps of sample production and PS/PPS boards (the
contract suite, tests/contract, takes every step of every process over HTTP):
the declarations, the work order's deadlines and dates, QA inspection, the
sign-offs and the new round of a rejected sample, the boards' loops, files
attached while taking a step, comments shown as text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_fsm_log.models import StateLog

from samples.models import Board, SampleOrder
from tests.factories import UserFactory, in_days, make_png
from tests.kits import post_data, ready, snapshot, step_data
from tests.samples.kit import BoardFactory, SampleOrderFactory
from tests.workflow_checks import ROLE_CODES, messages_of, step_url, url
from workflows.calendar import add_working_days
from workflows.declarations import step_of
from workflows.models import Attachment, SignOff
from workflows.services import StepNotAvailable, transition_perform

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_sample_processes_declare_their_steps_each_with_a_role_of_the_company():
    transitions = [(m, t) for m in (SampleOrder, Board) for t in m.workflow_transitions()]
    assert {(m, t.name) for m, t in transitions} >= {
        (SampleOrder, "reorder"),
        (SampleOrder, "cancel"),
        (Board, "follow_up"),
    }
    assert len(SampleOrder.transition_named("cancel")) == 8  # one case per source state
    # Salespeople open both, and the sales assistants for any salesperson; the
    # contract suite checks the grants follow.
    assert SampleOrder.creator_roles == Board.creator_roles == ("sales", "sales_assistant")
    assert SampleOrder.on_behalf_roles == Board.on_behalf_roles == ("sales_assistant",)
    for _model, transition in transitions:
        assert set(step_of(transition).roles) & set(ROLE_CODES), transition.name


# --- The work order -----------------------------------------------------------------------


def test_start_production_is_due_at_the_end_of_the_production_due_date(advance, client_for):
    record = advance(SampleOrderFactory(), "ordered")
    assert record.due_date == in_days(10)
    user = advance.actor(record, "start_production")

    client_for(user).post(
        step_url(record, "start_production"),
        post_data(record, "start_production", seq=record.step_seq),
    )

    record.refresh_from_db()
    local = timezone.localtime(record.step_due_at, timezone.get_default_timezone())
    assert (local.date(), local.time()) == (in_days(10), dt.time(23, 59, 59))
    assert str(local.tzinfo) == settings.TIME_ZONE


def test_issue_work_order_is_due_at_the_end_of_the_next_working_day_and_records_the_plan(
    advance, client_for
):
    record = SampleOrderFactory()
    user = advance.actor(record, "issue_work_order")

    client_for(user).post(
        step_url(record, "issue_work_order"),
        post_data(
            record, "issue_work_order", seq=record.step_seq, production_plan="Mould, then coat"
        ),
    )

    record.refresh_from_db()
    assert record.state == "ordered"
    assert record.production_plan == "Mould, then coat"
    assert record.quantity == 3
    next_working_day = add_working_days(timezone.localdate(), 1)
    assert timezone.localtime(record.step_due_at).date() == next_working_day
    assert timezone.localtime(record.step_due_at).time() == dt.time(23, 59, 59)


def test_work_order_due_date_in_the_past_is_a_field_error(advance, client_for):
    record = SampleOrderFactory()
    before = snapshot(record)

    response = client_for(advance.actor(record, "issue_work_order")).post(
        step_url(record, "issue_work_order"),
        post_data(record, "issue_work_order", seq=record.step_seq, due_date=in_days(-1)),
    )

    assert response.status_code == 400
    assert snapshot(record) == before
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert opened["form"].errors["due_date"] == ["This date is in the past."]


# --- QA inspection ---------------------------------------------------------------------


def test_failed_inspection_needs_reasons_and_counts_each_rework(advance, client_for):
    record = advance(SampleOrderFactory(), "qa_inspection")
    qa = advance.actor(record, "fail_inspection")
    client = client_for(qa)

    refused = client.post(
        step_url(record, "fail_inspection"), {"comment": "", "_seq": record.step_seq}
    )
    assert refused.status_code == 400
    record.refresh_from_db()
    assert (record.state, record.rework_count) == ("qa_inspection", 0)

    client.post(
        step_url(record, "fail_inspection"),
        {"comment": "Scratches on the armrest", "_seq": record.step_seq},
    )
    record.refresh_from_db()
    assert (record.state, record.rework_count) == ("in_production", 1)
    assert StateLog.objects.for_(record).latest("pk").description == "Scratches on the armrest"

    record = advance(record, "qa_inspection")
    client.post(
        step_url(record, "fail_inspection"),
        {"comment": "Colour still off", "_seq": record.step_seq},
    )
    record.refresh_from_db()
    assert (record.state, record.rework_count, record.inspected_by_id) == (
        "in_production",
        2,
        qa.pk,
    )


# --- Rejected samples: sign-offs and the next round ------------------------------------


def sign(client: Any, record: Any, role: str, **extra: Any) -> Any:
    data = {"role": role, "decision": "agree", "comment": "Got it", "_seq": record.step_seq}
    data.update(extra)
    return client.post(url(record, "sign"), data, follow=True)


def test_rejected_sample_is_reordered_as_round_two_after_both_sign_offs(
    advance, role_user, client_for
):
    first = advance(SampleOrderFactory(), "awaiting_feedback")
    sales = first.salesperson
    client_for(sales).post(
        step_url(first, "reject"),
        post_data(first, "reject", seq=first.step_seq, customer_feedback="Colour too dark"),
    )
    first.refresh_from_db()
    assert first.state == "rejected"

    for role in ("qa", "sample_room"):
        response = sign(client_for(role_user(role)), first, role)
        assert messages_of(response) == ["Your sign-off was recorded."]
    assert set(
        SignOff.objects.filter(object_id=first.pk, step_seq=first.step_seq).values_list(
            "role", "decision"
        )
    ) == {("qa", "agree"), ("sample_room", "agree")}

    due = in_days(20)
    response = client_for(sales).post(
        step_url(first, "reorder"),
        {
            "reorder-due_date": due.isoformat(),
            "reorder-changes": "Lighter colour",
            "reorder-comment": "Second try",
            "_seq": first.step_seq,
        },
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == "reordered"
    assert first.step_due_at is None
    second = SampleOrder.objects.get(previous_round=first)
    assert (second.round, second.state, second.due_date) == (2, "ordered", due)
    assert (second.customer_id, second.salesperson_id) == (first.customer_id, sales.pk)
    assert second.product_name == first.product_name
    assert second.reference != first.reference
    assert "Lighter colour" in second.requirements
    assert second.step_seq == 1
    assert second.step_due_at is not None
    (opening,) = StateLog.objects.for_(second)
    assert (opening.source_state, opening.state, opening.by_id) == (None, "ordered", sales.pk)
    assert opening.description == f"{first.reference}: Colour too dark"
    assert first.rounds() == [first, second] == second.rounds()
    page = client_for(sales).get(second.get_absolute_url())
    assert page.status_code == 200
    assert [r.pk for r in page.context["rounds"]] == [first.pk, second.pk]
    opening_entry = page.context["timeline"][0]
    assert (opening_entry["label"], opening_entry["comment"]) == (
        "Created as a new round",
        f"{first.reference}: Colour too dark",
    )


def test_reorder_waits_for_both_sign_offs(advance, role_user, client_for):
    record = advance(SampleOrderFactory(), "rejected")
    sales = record.salesperson
    sign(client_for(role_user("qa")), record, "qa")
    before = snapshot(record)

    with pytest.raises(StepNotAvailable, match="Waiting for every department to sign"):
        transition_perform(
            record=record,
            name="reorder",
            user=sales,
            data=step_data(record, "reorder"),
            seen_seq=record.step_seq,
        )
    response = client_for(sales).post(
        step_url(record, "reorder"), post_data(record, "reorder", seq=record.step_seq), follow=True
    )

    assert snapshot(record) == before
    assert messages_of(response) == ["Waiting for every department to sign."]
    (button,) = [a for a in response.context["actions"] if a["action"].name == "reorder"]
    assert not button["action"].enabled
    assert 'data-step="reorder"' in response.content.decode()

    sign(client_for(role_user("sample_room")), record, "sample_room")
    page = client_for(sales).get(record.get_absolute_url())
    (button,) = [a for a in page.context["actions"] if a["action"].name == "reorder"]
    assert button["action"].enabled


def test_a_department_cannot_sign_twice(advance, role_user, client_for):
    record = advance(SampleOrderFactory(), "rejected")
    sign(client_for(role_user("qa")), record, "qa")
    another_qa = UserFactory(roles=["qa"])

    response = sign(client_for(another_qa), record, "qa", comment="Me too")

    assert SignOff.objects.filter(object_id=record.pk, role="qa").count() == 1
    assert messages_of(response) == ["Quality department has already signed this step."]


def test_sign_off_for_a_department_the_user_is_not_in_is_forbidden(advance, client_for):
    record = advance(SampleOrderFactory(), "rejected")

    response = client_for(record.salesperson).post(
        url(record, "sign"),
        {"role": "qa", "decision": "agree", "comment": "", "_seq": record.step_seq},
    )

    assert response.status_code == 403
    assert not SignOff.objects.filter(object_id=record.pk).exists()


def test_sign_off_outside_a_sign_off_step_changes_nothing(advance, role_user, client_for):
    record = advance(SampleOrderFactory(), "awaiting_feedback")
    before = snapshot(record)

    response = sign(client_for(role_user("qa")), record, "qa")

    assert messages_of(response) == ["This step needs no sign-off."]
    assert snapshot(record) == before
    assert not SignOff.objects.exists()


# --- Boards -------------------------------------------------------------------------------


def test_board_follow_up_needs_a_comment_and_restarts_the_chase(advance, client_for):
    board = advance(BoardFactory(), "submitted")
    Board.objects.filter(pk=board.pk).update(step_due_at=timezone.now() - dt.timedelta(days=2))
    board.refresh_from_db()
    assert board.is_overdue
    client = client_for(board.salesperson)

    refused = client.post(step_url(board, "follow_up"), {"_seq": board.step_seq, "comment": ""})
    assert refused.status_code == 400
    board.refresh_from_db()
    assert board.is_overdue

    seq = board.step_seq
    client.post(
        step_url(board, "follow_up"),
        {"_seq": seq, "follow_up-comment": "Customer tests it next week"},
    )

    board.refresh_from_db()
    assert (board.state, board.step_seq) == ("submitted", seq + 1)
    chase = dt.timedelta(days=settings.SAMPLE_FEEDBACK_CHASE_DAYS)
    assert abs(board.step_due_at - (timezone.now() + chase)) < dt.timedelta(minutes=1)
    assert not board.is_overdue
    log = StateLog.objects.for_(board).latest("pk")
    assert (log.transition, log.source_state, log.state) == ("follow_up", "submitted", "submitted")
    assert log.description == "Customer tests it next week"


def test_board_remake_starts_the_next_round_with_the_new_due_date(advance, client_for):
    board = advance(BoardFactory(), "rejected")
    assert board.round == 1
    due = in_days(4)

    client_for(board.salesperson).post(
        step_url(board, "remake"), post_data(board, "remake", seq=board.step_seq, due_date=due)
    )

    board.refresh_from_db()
    assert (board.state, board.round, board.due_date) == ("making", 2, due)
    assert board.customer_signatory == ""
    local = timezone.localtime(board.step_due_at)
    assert (local.date(), local.time()) == (due, dt.time(23, 59, 59))

    board = advance(board, "rejected")
    board = advance(board, "making")
    assert board.round == 3


# --- Files attached while taking a step ---------------------------------------------------


def test_inspection_passed_with_a_photo_attaches_it_to_the_record(media_root, walker, client_for):
    record = ready(SampleOrder, SampleOrder.transition_named("pass_inspection")[0], walker)
    qa = walker.actor(record, "pass_inspection")
    png = make_png()
    data = post_data(record, "pass_inspection", seq=record.step_seq, prefixed=True)
    data["pass_inspection-attachment"] = SimpleUploadedFile("passed.png", png)

    response = client_for(qa).post(step_url(record, "pass_inspection"), data)

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "passed"
    (attachment,) = record.attachments.all()
    assert (attachment.original_name, attachment.mime_type, attachment.size) == (
        "passed.png",
        "image/png",
        len(png),
    )
    assert attachment.uploaded_by_id == qa.pk
    assert attachment.file.read() == png


def test_step_with_a_refused_file_is_not_taken_and_stores_nothing(media_root, walker, client_for):
    record = ready(SampleOrder, SampleOrder.transition_named("fail_inspection")[0], walker)
    qa = walker.actor(record, "fail_inspection")
    data = post_data(record, "fail_inspection", seq=record.step_seq, prefixed=True)
    data["fail_inspection-attachment"] = SimpleUploadedFile("defect.pdf", make_png())
    before = snapshot(record)

    response = client_for(qa).post(step_url(record, "fail_inspection"), data)

    assert response.status_code == 400
    assert snapshot(record) == before
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    assert "the content is a PNG image" in opened["form"].errors["attachment"][0]
    assert not Attachment.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_comments_are_shown_as_text_not_markup(advance, client_for):
    record = SampleOrderFactory()
    record = advance.take(record, "cancel", {"comment": "<script>alert('x')</script> too late"})

    html = client_for(record.salesperson).get(record.get_absolute_url()).content.decode()

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; too late" in html
