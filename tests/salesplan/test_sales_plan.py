"""The monthly sales plan (《销售计划表》, SC-004): its deadline on the 26th or
the working day before it, the monthly schedule that opens one plan per
key-account manager, the rows and their totals, the month's consolidation
and approval, the reminders and the plan against the confirmed orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from research.models_plans import SalesPlan, next_month, plan_deadline, previous_month
from research.plan_services import sales_plans_open
from tests.factories import CustomerFactory, UserFactory
from tests.orders.kit import OrderFactory
from tests.salesplan.kit import SalesPlanFactory, planned_month, rows, submit_data
from tests.workflow_checks import step_url
from workflows.calendar import end_of
from workflows.models import CalendarDay, Notification, Reminder, ScheduleRun
from workflows.notify.scan import reminders_scan
from workflows.schedules import schedule_run

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
SCHEDULE = "Monthly sales plan"


def month_url(month: dt.date, name: str = "salesplan_month") -> str:
    return reverse(f"research:{name}", kwargs={"year": month.year, "month": month.month})


# --- The deadline: the 26th, or the working day before it ----------------------------------


def test_the_26th_on_a_weekday_is_the_deadline():
    assert plan_deadline(dt.date(2026, 9, 1)) == dt.date(2026, 8, 26)  # a Wednesday


def test_the_26th_on_a_saturday_moves_to_friday():
    assert plan_deadline(dt.date(2026, 10, 1)) == dt.date(2026, 9, 25)


def test_the_26th_on_a_public_holiday_moves_to_the_working_day_before():
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=dt.date(2027, 8, 26), working=False, name="假日"),
            CalendarDay(date=dt.date(2027, 8, 25), working=False, name="假日"),
        ]
    )
    assert plan_deadline(dt.date(2027, 9, 1)) == dt.date(2027, 8, 24)


def test_the_26th_on_a_worked_sunday_stays():
    assert plan_deadline(dt.date(2027, 10, 1)) == dt.date(2027, 9, 24)
    CalendarDay.objects.create(date=dt.date(2027, 9, 26), working=True, name="国庆调休")
    assert plan_deadline(dt.date(2027, 10, 1)) == dt.date(2027, 9, 26)


def test_a_plan_is_due_at_the_end_of_its_deadline_day():
    plan = SalesPlanFactory(month=dt.date(2027, 10, 15))
    assert plan.month == dt.date(2027, 10, 1)
    assert plan.deadline == dt.date(2027, 9, 24)
    assert plan.step_due_at == end_of(dt.date(2027, 9, 24))


# --- The monthly schedule --------------------------------------------------------------------


def test_the_schedule_opens_next_months_plan_for_each_ka_manager_once():
    kas = UserFactory.create_batch(3, roles=["ka_manager"])
    UserFactory(roles=["ka_manager"], is_active=False)
    UserFactory(roles=["sales"])
    now = dt.datetime(2026, 9, 20, 8, tzinfo=TZ)

    assert schedule_run(SCHEDULE, now) is True
    assert schedule_run(SCHEDULE, now + dt.timedelta(hours=3)) is False  # same month

    plans = SalesPlan.objects.order_by("owner_id")
    assert [(p.owner_id, p.month, p.state) for p in plans] == [
        (ka.pk, dt.date(2026, 10, 1), "draft") for ka in kas
    ]
    assert {p.step_due_at for p in plans} == {end_of(dt.date(2026, 9, 25))}
    assert ScheduleRun.objects.filter(name=SCHEDULE).count() == 1
    assert StateLog.objects.filter(transition="schedule").count() == 3


def test_the_job_twice_in_a_period_and_a_plan_opened_by_hand_give_one_plan_each():
    kas = UserFactory.create_batch(2, roles=["ka_manager"])
    SalesPlanFactory(owner=kas[0], month=dt.date(2026, 10, 1))
    now = dt.datetime(2026, 9, 20, 8, tzinfo=TZ)
    assert sales_plans_open(now=now, period="2026-09") == 1
    assert sales_plans_open(now=now, period="2026-09") == 0
    assert SalesPlan.objects.filter(month=dt.date(2026, 10, 1)).count() == 2


# --- The rows and their totals ---------------------------------------------------------------


def submit(client, plan, **data):
    payload = {**submit_data(), **data, "_seq": plan.step_seq}
    return client.post(step_url(plan, "submit_sales_plan"), payload)


def test_handing_in_computes_the_amounts_and_totals_on_the_server(client_for):
    plan = SalesPlanFactory()
    customer = CustomerFactory()
    response = submit(
        client_for(plan.owner),
        plan,
        **rows((customer, "Kettle", 3, "10.005"), ("", "", "", "")),
    )
    # Two decimals at most: 10.005 is refused on its field, nothing saved.
    assert response.status_code in (200, 400)
    assert SalesPlan.objects.get(pk=plan.pk).state == "draft"

    response = submit(
        client_for(plan.owner),
        plan,
        **rows((customer, "Kettle", 3, "10.05"), (customer, "Cooker", 2, "100")),
        total_amount="1",
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == "submitted"
    assert plan.total_amount == Decimal("230.15") and plan.total_quantity == 5
    assert list(plan.lines.values_list("product", "amount")) == [
        ("Kettle", Decimal("30.15")),
        ("Cooker", Decimal("200.00")),
    ]


def test_a_negative_quantity_is_a_field_error_and_nothing_is_saved(client_for):
    plan = SalesPlanFactory()
    customer = CustomerFactory()
    response = submit(client_for(plan.owner), plan, **rows((customer, "Kettle", -5, "10")))
    assert response.status_code in (200, 400)
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == "draft" and plan.step_seq == 1 and not plan.lines.exists()


def test_a_row_half_filled_in_names_what_is_missing(client_for):
    plan = SalesPlanFactory()
    customer = CustomerFactory()
    response = submit(client_for(plan.owner), plan, **rows((customer, "", 5, "")))
    text = response.content.decode()
    assert "Name the product of this row." in text
    assert "Give the unit price of this row." in text
    assert SalesPlan.objects.get(pk=plan.pk).state == "draft"


def test_more_rows_than_the_page_showed_are_read(client_for):
    plan = SalesPlanFactory()
    customer = CustomerFactory()
    lines = [(customer, f"Product {n}", n, "1") for n in range(1, 10)]
    response = submit(client_for(plan.owner), plan, **rows(*lines))
    assert response.status_code == 302
    assert SalesPlan.objects.get(pk=plan.pk).lines.count() == 9


# --- Creating a plan by hand -------------------------------------------------------------------


def test_a_plan_for_a_month_already_approved_is_a_field_error(client_for):
    plan = SalesPlanFactory(state="approved", month=planned_month())
    before = SalesPlan.objects.count()
    response = client_for(plan.owner).post(
        reverse("research:salesplan_create"),
        {"owner": plan.owner.pk, "month": (plan.month + dt.timedelta(days=9)).isoformat()},
    )
    assert response.status_code in (200, 400)
    assert f"is already approved ({plan.reference})" in response.content.decode()
    assert SalesPlan.objects.count() == before


def test_a_second_plan_of_the_same_month_is_a_field_error(client_for):
    plan = SalesPlanFactory(month=planned_month())
    response = client_for(plan.owner, language="zh-hans").post(
        reverse("research:salesplan_create"),
        {"owner": plan.owner.pk, "month": plan.month.isoformat()},
    )
    assert response.status_code in (200, 400)
    assert plan.reference in response.content.decode()
    assert SalesPlan.objects.filter(owner=plan.owner).count() == 1


def test_a_plan_of_a_past_month_is_refused(client_for):
    ka = UserFactory(roles=["ka_manager"])
    last = previous_month(timezone.localdate().replace(day=1))
    response = client_for(ka).post(
        reverse("research:salesplan_create"), {"owner": ka.pk, "month": last.isoformat()}
    )
    assert "A sales plan is made for this month or a later one." in response.content.decode()
    assert not SalesPlan.objects.exists()


# --- The month's consolidation and approval ----------------------------------------------------


def month_post(client, month, step, plans, comment=""):
    data = {"step": step, "plans": [p.pk for p in plans], "comment": comment}
    data.update({f"seq_{p.pk}": p.step_seq for p in plans})
    return client.post(month_url(month), data)


def test_rejecting_one_plan_leaves_the_others_approved(client_for, role_user):
    month = planned_month()
    plans = [SalesPlanFactory(state="review", month=planned_month()) for _ in range(3)]
    approver = client_for(role_user("product_marketing_manager"))

    response = month_post(
        approver, month, "reject_sales_plan", [plans[1]], comment="请补充新客户的数量。"
    )
    assert response.status_code == 302
    response = month_post(approver, month, "approve_sales_plan", [plans[0], plans[2]])
    assert response.status_code == 302

    states = dict(SalesPlan.objects.values_list("pk", "state"))
    assert [states[p.pk] for p in plans] == ["approved", "draft", "approved"]
    log = StateLog.objects.for_(plans[1]).get(transition="reject_sales_plan")
    assert log.description == "请补充新客户的数量。"
    # The returned plan is in its manager's hands again, the others are closed.
    plans[1].refresh_from_db()
    assert plans[1].step_due_at is not None
    assert SalesPlan.objects.filter(pk=plans[0].pk, step_due_at__isnull=True).exists()


def test_a_return_without_a_comment_changes_nothing(client_for, role_user):
    plans = [SalesPlanFactory(state="review", month=planned_month()) for _ in range(2)]
    response = month_post(
        client_for(role_user("product_marketing_manager")),
        planned_month(),
        "reject_sales_plan",
        plans,
    )
    assert response.status_code == 400
    assert "Say why the plans are returned." in response.content.decode()
    assert set(SalesPlan.objects.values_list("state", flat=True)) == {"review"}


def test_a_stale_plan_refuses_the_whole_step(client_for, role_user):
    plans = [SalesPlanFactory(state="review", month=planned_month()) for _ in range(2)]
    plans[1].step_seq = 0  # the page showed an older step
    response = month_post(
        client_for(role_user("product_marketing_manager")),
        planned_month(),
        "approve_sales_plan",
        plans,
    )
    assert response.status_code == 302
    assert set(SalesPlan.objects.values_list("state", flat=True)) == {"review"}


def test_a_ka_manager_cannot_approve_from_the_month_page(client_for):
    plan = SalesPlanFactory(state="review", month=planned_month())
    response = month_post(client_for(plan.owner), plan.month, "approve_sales_plan", [plan])
    assert response.status_code in (302, 400)
    assert SalesPlan.objects.get(pk=plan.pk).state == "review"


def test_the_ka_department_manager_consolidates_the_month(client_for, role_user):
    plans = [SalesPlanFactory(state="submitted", month=planned_month()) for _ in range(2)]
    draft = SalesPlanFactory(month=planned_month())
    client = client_for(role_user("ka_dept_manager"))
    page = client.get(month_url(planned_month()))
    assert page.status_code == 200
    for plan in [*plans, draft]:
        assert plan.reference in page.content.decode()
    response = month_post(client, planned_month(), "consolidate_sales_plan", plans)
    assert response.status_code == 302
    assert SalesPlan.objects.get(pk=plans[0].pk).state == "review"
    assert SalesPlan.objects.get(pk=draft.pk).state == "draft"


def test_a_ka_manager_sees_only_their_own_plan_on_the_month_page(client_for):
    mine = SalesPlanFactory(month=planned_month())
    other = SalesPlanFactory(month=planned_month())
    text = client_for(mine.owner).get(month_url(planned_month())).content.decode()
    assert mine.reference in text and other.reference not in text


def submitted_plans(n: int) -> None:
    customers = CustomerFactory.create_batch(2)
    for _ in range(n):
        plan = SalesPlanFactory(
            state="review", month=planned_month(), total_amount=Decimal("300"), total_quantity=3
        )
        for i, customer in enumerate(customers, start=1):
            plan.lines.create(
                position=i,
                customer=customer,
                product="Kettle",
                quantity=i,
                unit_price=Decimal("100"),
                amount=Decimal(100 * i),
            )


def count_month_page(client, month) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(month_url(month))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_month_page_costs_the_same_queries_for_3_and_30_ka_managers(client_for, role_user):
    client = client_for(role_user("ka_dept_manager"))
    client.get(month_url(planned_month()))  # sessions and the like, once
    submitted_plans(3)
    small, _ = count_month_page(client, planned_month())
    submitted_plans(27)
    large, text = count_month_page(client, planned_month())
    assert large == small <= 14
    assert text.count('data-testid="person-total"') == 30
    assert "9,000.00" in text or "9000.00" in text  # 30 × 300


def test_the_month_printout_in_chinese(client_for, role_user):
    submitted_plans(2)
    response = client_for(role_user("ka_dept_manager"), language="zh-hans").get(
        month_url(planned_month(), "salesplan_month_print")
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "销售计划表" in text and "SC-004" in text


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_before_and_after_the_deadline():
    plan = SalesPlanFactory(month=dt.date(2027, 2, 1))  # due on Tuesday 26 January 2027
    due = plan.step_due_at
    reminders_scan(now=due - dt.timedelta(days=2))
    reminders_scan(now=due + dt.timedelta(days=1, hours=1))
    kinds = set(Reminder.objects.filter(object_id=plan.pk).values_list("kind", flat=True))
    assert {"soon", "overdue"} <= kinds
    assert Notification.objects.filter(recipient=plan.owner).count() >= 2  # soon, overdue


# --- The plan against the confirmed orders ---------------------------------------------------


def confirmed(salesperson, customer, when: dt.datetime, **fields):
    order = OrderFactory(salesperson=salesperson, customer=customer, state="confirmed", **fields)
    type(order).objects.filter(pk=order.pk).update(approved_at=when)
    return order


def test_after_the_month_the_plan_is_set_against_the_confirmed_orders(client_for):
    last = previous_month(timezone.localdate().replace(day=1))
    ka = UserFactory(roles=["ka_manager", "sales"])
    customer, other = CustomerFactory(), CustomerFactory()
    plan = SalesPlanFactory(owner=ka, month=last, state="approved", total_amount=Decimal("5000"))
    plan.lines.create(
        position=1,
        customer=customer,
        product="Kettle",
        quantity=50,
        unit_price=Decimal("100"),
        amount=Decimal("5000"),
    )
    inside = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=3), dt.time(10)))
    counted = [confirmed(ka, customer, inside), confirmed(ka, other, inside)]
    confirmed(ka, customer, inside - dt.timedelta(days=10))  # the month before
    confirmed(UserFactory(roles=["sales"]), customer, inside)  # someone else's
    received = OrderFactory(salesperson=ka, customer=customer)  # not confirmed
    assert received.state == "received"
    cancelled = confirmed(ka, customer, inside)
    type(cancelled).objects.filter(pk=cancelled.pk).update(state="cancelled")

    text = client_for(ka).get(plan.get_absolute_url()).content.decode()
    total = sum((o.total for o in counted), Decimal(0))
    assert 'data-testid="plan-actual"' in text
    assert f"{total:,.2f}" in text or f"{total:.2f}" in text
    assert other.name in text

    month_text = client_for(UserFactory(roles=["ka_dept_manager"])).get(month_url(last))
    assert 'data-testid="month-actual"' in month_text.content.decode()


def test_a_reader_who_reads_no_orders_is_told_so(client_for):
    last = previous_month(timezone.localdate().replace(day=1))
    plan = SalesPlanFactory(month=last, state="approved")
    response = client_for(plan.owner).get(plan.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="orders-hidden"' in response.content.decode()


def test_next_month_is_the_default_of_the_month_page(client_for, role_user):
    response = client_for(role_user("ka_dept_manager")).get(reverse("research:salesplan_months"))
    assert response.status_code == 302
    assert response["Location"] == month_url(next_month(timezone.localdate().replace(day=1)))
    assert (
        client_for(role_user("ka_dept_manager")).get("/research/sales-plans/month/2026-13/")
    ).status_code == 404
