"""Dates and numbers of the sample processes have sensible windows, on the
record pages and in the admin alike: a due date at most five years ahead, a
customer's signature not in the future, nothing before 2000, and a sample of
1 to 10,000 pieces (2³¹ overflowed PostgreSQL's integer after SQLite had
accepted it). Every refusal is a field error that changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from samples.models import Board, SampleOrder
from tests.factories import CustomerFactory, UserFactory, in_days
from tests.kits import post_data
from tests.samples.kit import BoardFactory, SampleOrderFactory
from tests.workflow_checks import step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def five_years_ahead() -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 5)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 5, day=28)


def too_far(limit: dt.date) -> str:
    return f"Enter a date on or before {limit.isoformat()}, at most five years from today."


IN_THE_FUTURE = "This date is in the future."
BEFORE_2000 = "Enter a date on or after 2000-01-01."
PAST = "This date is in the past."
FAR_DATES = [dt.date(9999, 12, 31), "six_years", "five_years_and_a_day"]
FAR_IDS = ["9999-12-31", "six_years", "five_years_and_a_day"]


def far(which: Any) -> dt.date:
    if which == "six_years":
        return five_years_ahead() + dt.timedelta(days=366)
    if which == "five_years_and_a_day":
        return five_years_ahead() + dt.timedelta(days=1)
    return which


def snapshot(record: Any) -> tuple[Any, ...]:
    fresh = type(record).objects.get(pk=record.pk)
    return (
        fresh.state,
        fresh.step_seq,
        fresh.step_due_at,
        model_to_dict(fresh),
        StateLog.objects.count(),
        SampleOrder.objects.count() + Board.objects.count(),
    )


def opened_errors(response: Any) -> dict[str, list[str]]:
    (opened,) = [a for a in response.context["actions"] if a["open"]]
    return opened["form"].errors


def create_sample(client: Any, sales: Any, **overrides: Any) -> Any:
    data = {
        "customer": CustomerFactory().pk,
        "salesperson": sales.pk,
        "product_name": "Insulated lunch box",
        "quantity": 4,
        "requirements": "Two colours.",
        "due_date": in_days(15).isoformat(),
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return client.post(reverse("samples:sampleorder_create"), data)


# --- Creating a sample request ------------------------------------------------------------


@pytest.mark.parametrize("which", FAR_DATES, ids=FAR_IDS)
def test_a_sample_due_more_than_five_years_ahead_is_refused(which, role_user, client_for):
    sales = role_user("sales")

    response = create_sample(client_for(sales), sales, due_date=far(which).isoformat())

    assert response.status_code == 400
    assert response.context["form"].errors["due_date"] == [too_far(five_years_ahead())]
    assert not SampleOrder.objects.exists()
    assert not StateLog.objects.exists()


def test_a_sample_due_in_exactly_five_years_is_accepted(role_user, client_for):
    sales = role_user("sales")

    response = create_sample(client_for(sales), sales, due_date=five_years_ahead().isoformat())

    assert response.status_code == 302
    assert SampleOrder.objects.get().due_date == five_years_ahead()


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (-1, "Ensure this value is greater than or equal to 1."),
        (10_001, "Ensure this value is less than or equal to 10000."),
        (2**31, "Ensure this value is less than or equal to 10000."),
        (2**63, "Ensure this value is less than or equal to 10000."),
    ],
)
def test_a_sample_of_no_or_too_many_pieces_is_refused(quantity, error, role_user, client_for):
    sales = role_user("sales")

    response = create_sample(client_for(sales), sales, quantity=quantity)

    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [error]
    assert not SampleOrder.objects.exists()


@pytest.mark.parametrize("quantity", [1, 10_000])
def test_a_sample_of_one_to_ten_thousand_pieces_is_accepted(quantity, role_user, client_for):
    sales = role_user("sales")

    response = create_sample(client_for(sales), sales, quantity=quantity)

    assert response.status_code == 302
    assert SampleOrder.objects.get().quantity == quantity


def test_the_date_field_offers_only_dates_inside_its_window(role_user, client_for):
    html = client_for(role_user("sales")).get(reverse("samples:sampleorder_create")).content
    html = html.decode()

    assert f'max="{five_years_ahead().isoformat()}"' in html
    assert f'min="{timezone.localdate().isoformat()}"' in html  # not in the past


# --- Steps --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", FAR_DATES, ids=FAR_IDS)
def test_a_work_order_due_more_than_five_years_ahead_is_refused(which, advance, client_for):
    # 9999-12-31 was accepted: the work order then said "7973 years left".
    record = SampleOrderFactory()
    before = snapshot(record)

    response = client_for(advance.actor(record, "issue_work_order")).post(
        step_url(record, "issue_work_order"),
        post_data(SampleOrder, "issue_work_order", seq=record.step_seq, due_date=far(which)),
    )

    assert response.status_code == 400
    assert opened_errors(response)["due_date"] == [too_far(five_years_ahead())]
    assert snapshot(record) == before


@pytest.mark.parametrize("quantity", [0, 2**31])
def test_a_work_order_for_no_or_too_many_pieces_is_refused(quantity, advance, client_for):
    record = SampleOrderFactory()
    before = snapshot(record)

    response = client_for(advance.actor(record, "issue_work_order")).post(
        step_url(record, "issue_work_order"),
        post_data(SampleOrder, "issue_work_order", seq=record.step_seq, quantity=quantity),
    )

    assert response.status_code == 400
    assert "quantity" in opened_errors(response)
    assert snapshot(record) == before


def test_outsourcing_back_more_than_five_years_ahead_is_refused(advance, client_for):
    record = SampleOrderFactory(state="in_production")
    before = snapshot(record)

    response = client_for(advance.actor(record, "outsource")).post(
        step_url(record, "outsource"),
        post_data(
            SampleOrder,
            "outsource",
            seq=record.step_seq,
            outsource_return_date=dt.date(9999, 12, 31),
        ),
    )

    assert response.status_code == 400
    assert opened_errors(response)["outsource_return_date"] == [too_far(five_years_ahead())]
    assert snapshot(record) == before


def test_a_new_round_due_more_than_five_years_ahead_is_refused(advance, client_for):
    record = advance(SampleOrderFactory(), "rejected")
    advance.sign_all(record)
    before = snapshot(record)

    response = client_for(record.salesperson).post(
        step_url(record, "reorder"),
        post_data(SampleOrder, "reorder", seq=record.step_seq, due_date=dt.date(9999, 12, 31)),
    )

    assert response.status_code == 400
    assert opened_errors(response)["due_date"] == [too_far(five_years_ahead())]
    assert snapshot(record) == before


# --- Boards --------------------------------------------------------------------------------


def test_a_board_due_more_than_five_years_ahead_is_refused(role_user, client_for):
    sales = role_user("sales")
    data = {
        "kind": "ps",
        "customer": CustomerFactory().pk,
        "customer_order_no": "PO-1",
        "salesperson": sales.pk,
        "product_name": "Lunch box",
        "requirements": "As the order.",
        "due_date": "9999-12-31",
    }

    response = client_for(sales).post(reverse("samples:board_create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["due_date"] == [too_far(five_years_ahead())]
    assert not Board.objects.exists()


def test_a_board_remade_for_more_than_five_years_ahead_is_refused(client_for):
    board = BoardFactory(state="rejected")
    before = snapshot(board)

    response = client_for(board.salesperson).post(
        step_url(board, "remake"),
        post_data(Board, "remake", seq=board.step_seq, due_date=dt.date(9999, 12, 31)),
    )

    assert response.status_code == 400
    assert opened_errors(response)["due_date"] == [too_far(five_years_ahead())]
    assert snapshot(board) == before


@pytest.mark.parametrize(
    ("signed_on", "error"),
    [
        (in_days(1), IN_THE_FUTURE),
        (dt.date(9999, 12, 31), IN_THE_FUTURE),
        (dt.date(1999, 12, 31), BEFORE_2000),
        (dt.date(1, 1, 1), BEFORE_2000),
    ],
    ids=["tomorrow", "9999-12-31", "1999-12-31", "0001-01-01"],
)
def test_a_board_signed_in_the_future_or_before_2000_is_refused(signed_on, error, client_for):
    board = BoardFactory(state="submitted")
    before = snapshot(board)

    response = client_for(board.salesperson).post(
        step_url(board, "record_signature"),
        post_data(Board, "record_signature", seq=board.step_seq, signed_on=signed_on),
    )

    assert response.status_code == 400
    assert opened_errors(response)["signed_on"] == [error]
    assert snapshot(board) == before


@pytest.mark.parametrize("signed_on", [in_days(0), dt.date(2000, 1, 1)], ids=["today", "2000"])
def test_a_board_signed_today_or_in_2000_is_recorded(signed_on, client_for):
    board = BoardFactory(state="submitted")

    response = client_for(board.salesperson).post(
        step_url(board, "record_signature"),
        post_data(Board, "record_signature", seq=board.step_seq, signed_on=signed_on),
    )

    assert response.status_code == 302
    board.refresh_from_db()
    assert (board.state, board.signed_on) == ("signed", signed_on)


# --- The admin ------------------------------------------------------------------------------


def admin_change(client: Any, record: Any, **overrides: Any) -> Any:
    """The record's admin change form posted with its values and ``overrides``."""
    opts = record._meta
    data = {k: "" if v is None else v for k, v in model_to_dict(record).items()}
    data.update(overrides)
    data.pop("id", None)
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    return client.post(url, data)


def admin_step(client: Any, record: Any, name: str, **overrides: Any) -> Any:
    """The admin's form of a step posted with valid data and ``overrides``."""
    opts = record._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_step", kwargs={"pk": record.pk, "name": name}
    )
    return client.post(url, post_data(record, name, seq=record.step_seq, **overrides))


# The fields are the steps' (read-only on the admin's change form): the admin
# sets them only through the step's form, which refuses the same values.
@pytest.mark.parametrize(
    ("model", "state", "step", "field", "value", "error"),
    [
        (
            SampleOrder,
            "requested",
            "issue_work_order",
            "due_date",
            dt.date(9999, 12, 31),
            "too_far",
        ),
        (
            SampleOrder,
            "in_production",
            "outsource",
            "outsource_return_date",
            dt.date(9999, 12, 31),
            "too_far",
        ),
        # The step's form refuses a date in the past before the model's window.
        (SampleOrder, "requested", "issue_work_order", "due_date", dt.date(1999, 12, 31), PAST),
        (
            SampleOrder,
            "requested",
            "issue_work_order",
            "quantity",
            2**31,
            "Ensure this value is less than or equal to 10000.",
        ),
        (
            SampleOrder,
            "requested",
            "issue_work_order",
            "quantity",
            0,
            "Ensure this value is greater than or equal to 1.",
        ),
        (Board, "rejected", "remake", "due_date", dt.date(9999, 12, 31), "too_far"),
        (Board, "submitted", "record_signature", "signed_on", dt.date(9999, 12, 31), IN_THE_FUTURE),
    ],
)
def test_the_admin_refuses_the_same_values(model, state, step, field, value, error, client_for):
    record = (SampleOrderFactory if model is SampleOrder else BoardFactory)(state=state)
    before = snapshot(record)
    # The board's steps are its salesperson's (OwnerOnly), here also an administrator.
    admin = record.salesperson if model is Board else UserFactory()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for(admin)

    changed = admin_change(client, record, **{field: value})
    response = admin_step(client, record, step, **{field: value})

    assert changed.status_code == 302  # saved what may change; the step's field is not among it
    assert response.status_code == 400  # the step's form again, with its errors
    expected = too_far(five_years_ahead()) if error == "too_far" else error
    assert response.context["form"].errors[field] == [expected]
    assert snapshot(record) == before


def test_the_admin_saves_values_inside_the_windows(client_for):
    record = SampleOrderFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = admin_step(
        client_for(admin), record, "issue_work_order", due_date=five_years_ahead(), quantity=10_000
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.due_date, record.quantity) == (five_years_ahead(), 10_000)


def test_the_windows_are_explained_in_chinese(role_user, client_for):
    sales = role_user("sales")
    client = client_for(sales, language="zh-hans")

    response = create_sample(client, sales, due_date="9999-12-31", quantity=0)
    board = BoardFactory(state="submitted")
    signed = client_for(board.salesperson, language="zh-hans").post(
        step_url(board, "record_signature"),
        post_data(Board, "record_signature", seq=board.step_seq, signed_on=in_days(1)),
    )

    limit = five_years_ahead().isoformat()
    assert response.context["form"].errors["due_date"] == [
        f"请输入 {limit} 或之前的日期，即自今天起最多五年。"
    ]
    assert response.context["form"].errors["quantity"] == ["确保该值大于或等于1。"]
    assert opened_errors(signed)["signed_on"] == ["该日期晚于今天。"]
