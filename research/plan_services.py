"""Writes and reads of the monthly sales plans beyond the engine's steps: the
plan's lines, the plans the monthly schedule opens, a step taken on several
plans of a month at once, and the plan set against the confirmed orders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from workflows.rights import readable
from workflows.roles import role_members
from workflows.services import StepNotAvailable, WorkflowError, record_start, transition_take

from .models_plans import (
    CENT,
    PromotionAction,
    PromotionPlan,
    SalesPlan,
    SalesPlanLine,
    first_of_month,
    next_month,
)

# An order counts for the month in which it was confirmed, for as long as it
# is not cancelled: confirmed, and every state after it.
_ORDER_STATES = list(Order.State.values)
CONFIRMED_STATES = tuple(
    s
    for s in _ORDER_STATES[_ORDER_STATES.index(Order.State.CONFIRMED) :]
    if s != Order.State.CANCELLED
)


def sales_lines_save(*, record: SalesPlan, user: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Replace the plan's lines with the form's (the totals were set by the step)."""
    record.lines.all().delete()
    SalesPlanLine.objects.bulk_create(
        SalesPlanLine(
            plan=record,
            position=n,
            customer=customer,
            product=product,
            quantity=quantity,
            unit_price=unit_price,
            amount=(quantity * unit_price).quantize(CENT),
        )
        for n, (customer, product, quantity, unit_price) in enumerate(data["lines"], start=1)
    )


def sales_plans_open(*, now: dt.datetime, period: str) -> int:
    """The monthly schedule's job: a draft plan of next month for every
    key-account manager who has none, due on the month's deadline. A plan
    opened meanwhile (by its manager, or by another run) is left as it is;
    how many were opened."""
    month = next_month(first_of_month(timezone.localdate(now)))
    have = set(SalesPlan.objects.filter(month=month).values_list("owner_id", flat=True))
    opened = 0
    for ka in role_members("ka_manager").filter(is_active=True).order_by("pk"):
        if ka.pk in have:
            continue
        try:
            with transaction.atomic():
                record_start(record=SalesPlan(owner=ka, month=month), user=ka, name="schedule")
        except IntegrityError:
            continue  # opened at the same moment by another run
        opened += 1
    return opened


def plans_step(
    *,
    user: AbstractBaseUser,
    name: str,
    seen: dict[int, int],
    comment: str = "",
) -> list[SalesPlan]:
    """Take the step ``name`` on each plan of ``seen`` (pk → the step number
    the page showed), all or none: one refusal leaves every plan as it was
    and is raised."""
    moved = []
    with transaction.atomic():
        plans = readable(user, SalesPlan).filter(pk__in=list(seen)).order_by("pk")
        found = {p.pk: p for p in plans}
        if len(found) != len(seen):
            raise PermissionDenied
        for pk, seq in seen.items():
            outcome = transition_take(
                record=found[pk], name=name, user=user, data={"comment": comment}, seen_seq=seq
            )
            moved.append(outcome.record)
    return moved


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min))
    return start, end


def confirmed_orders(user: AbstractBaseUser, month: dt.date, owners: list[int]) -> Any:
    """The orders the user reads that the given salespeople had confirmed in
    ``month`` (in yuan), by salesperson and customer: one query. None for a
    user whose roles read no orders."""
    start, end = _month_range(month)
    try:
        orders = readable(user, Order)
    except PermissionDenied:
        return None
    return (
        orders.filter(salesperson_id__in=owners, state__in=CONFIRMED_STATES, currency="CNY")
        .annotate(confirmed_at=Coalesce("leader_approved_at", "approved_at"))
        .filter(confirmed_at__gte=start, confirmed_at__lt=end)
        .values("salesperson_id", "customer_id", "customer__name")
        .annotate(amount=Sum("total"), orders=Count("pk"))
        .order_by()
    )


@dataclass
class Comparison:
    """A customer's (or a person's) planned amount against the confirmed orders."""

    label: str
    planned: Decimal = Decimal(0)
    actual: Decimal = Decimal(0)
    orders: int = 0

    @property
    def difference(self) -> Decimal:
        return self.actual - self.planned

    @property
    def achieved(self) -> Decimal | None:
        if not self.planned:
            return None
        return (self.actual * 100 / self.planned).quantize(Decimal("0.1"))


def actual_by_customer(
    plan: SalesPlan, lines: list[SalesPlanLine], user: AbstractBaseUser
) -> list[Comparison] | None:
    """Per customer, what the plan planned against the orders of the plan's
    key-account manager confirmed in its month; a last row of the totals.
    None for a reader of the plan who reads no orders."""
    confirmed = confirmed_orders(user, plan.month, [plan.owner_id])
    if confirmed is None:
        return None
    rows: dict[int, Comparison] = {}
    for line in lines:
        row = rows.setdefault(line.customer_id, Comparison(line.customer.name))
        row.planned += line.amount
    for found in confirmed:
        row = rows.setdefault(found["customer_id"], Comparison(found["customer__name"]))
        row.actual += found["amount"] or 0
        row.orders += found["orders"]
    ordered = sorted(rows.values(), key=lambda r: r.label)
    total = Comparison(
        "",
        planned=sum((r.planned for r in ordered), Decimal(0)),
        actual=sum((r.actual for r in ordered), Decimal(0)),
        orders=sum(r.orders for r in ordered),
    )
    return [*ordered, total]


@dataclass
class PersonPlan:
    plan: SalesPlan
    lines: list[SalesPlanLine]
    actual: Comparison | None = None


@dataclass
class MonthPlans:
    """A month's plans as the consolidation shows them (《销售计划表》汇总)."""

    month: dt.date
    people: list[PersonPlan] = field(default_factory=list)
    total_quantity: int = 0
    total_amount: Decimal = Decimal(0)
    actual: Comparison | None = None
    orders_hidden: bool = False

    @property
    def over(self) -> bool:
        return next_month(self.month) <= timezone.localdate()


def month_plans(user: AbstractBaseUser, month: dt.date) -> MonthPlans:
    """Every plan of ``month`` the user reads, with its lines and totals, and
    once the month is over, each person's confirmed orders: three queries
    whatever the number of key-account managers (four with the orders)."""
    plans = list(
        readable(user, SalesPlan)
        .filter(month=month)
        .select_related("owner")
        .prefetch_related(
            Prefetch("lines", SalesPlanLine.objects.select_related("customer").order_by("position"))
        )
        .order_by("owner__first_name", "owner__username", "pk")
    )
    result = MonthPlans(month=month)
    for plan in plans:
        lines = list(plan.lines.all())
        result.people.append(PersonPlan(plan, lines))
        result.total_quantity += plan.total_quantity
        result.total_amount += plan.total_amount
    confirmed = None
    if result.over and plans:
        confirmed = confirmed_orders(user, month, [p.owner_id for p in plans])
        result.orders_hidden = confirmed is None
    if confirmed is not None:
        by_owner: dict[int, Comparison] = defaultdict(lambda: Comparison(""))
        for found in confirmed:
            row = by_owner[found["salesperson_id"]]
            row.actual += found["amount"] or 0
            row.orders += found["orders"]
        for person in result.people:
            got = by_owner.get(person.plan.owner_id, Comparison(""))
            person.actual = Comparison(
                "", planned=person.plan.total_amount, actual=got.actual, orders=got.orders
            )
        result.actual = Comparison(
            "",
            planned=result.total_amount,
            actual=sum((p.actual.actual for p in result.people if p.actual), Decimal(0)),
            orders=sum(p.actual.orders for p in result.people if p.actual),
        )
    return result


__all__ = [
    "CONFIRMED_STATES",
    "WorkflowError",
    "actual_by_customer",
    "month_plans",
    "plans_step",
    "sales_lines_save",
    "sales_plans_open",
]


# --- The promotion plan ------------------------------------------------------------------


def promotion_actions_save(
    *, record: PromotionPlan, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Replace the plan's actions with the form's (the total was set by the step)."""
    record.actions.all().delete()
    PromotionAction.objects.bulk_create(
        PromotionAction(
            plan=record, position=n, what=what, owner=who, starts=starts, ends=ends, budget=budget
        )
        for n, (what, who, starts, ends, budget) in enumerate(data["actions"], start=1)
    )


def promotion_action_done(
    *, record: PromotionPlan, user: AbstractBaseUser, data: dict[str, Any]
) -> None:
    """Mark the chosen action done with its note. The step's condition was read
    under the plan's lock, so the action is still open."""
    done = PromotionAction.objects.filter(
        plan=record, position=data["action"], done_at__isnull=True
    ).update(done_at=timezone.now(), done_by=user, done_note=data["note"])
    if done != 1:
        raise StepNotAvailable(_("This action was marked done already."))
