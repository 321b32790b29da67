"""Receivables (应收账款): the open invoices' balances in ageing buckets, per
customer and per salesperson, summed in the database (a fixed number of
queries whatever the number of invoices)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.rights import user_roles

from .models import Invoice
from .models.invoices import OPEN_BALANCE

# (key, label, days overdue from, to): "not due" is due today or later.
BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("not_due", _("Not due"), None, 0),
    ("d1_30", _("1–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("over_90", _("Over 90 days"), 91, None),
)

# Roles that read every receivable; a salesperson reads their own customers'.
READ_ALL_ROLES = frozenset(
    {"finance", "sales_assistant", "marketing_manager", "gm", "division_gm", "ka_dept_manager"}
)


def receivables_scope(user: AbstractBaseUser) -> QuerySet[Invoice]:
    """The open invoices the user may see the money of: all of them for
    finance, sales assistants and managers, a salesperson's own otherwise."""
    open_invoices = Invoice.objects.filter(state=Invoice.State.ISSUED)
    if user.is_superuser or READ_ALL_ROLES & user_roles(user):
        return open_invoices
    if "sales" in user_roles(user):
        return open_invoices.filter(salesperson=user)
    raise PermissionDenied(gettext("Your role may not see receivables."))


def _bucket_sums(today: dt.date) -> dict[str, Any]:
    balance = OPEN_BALANCE
    sums: dict[str, Any] = {"total": Sum(balance), "count": Count("pk")}
    for key, _label, low, high in BUCKETS:
        q = Q()
        if low is None:  # not due: due today or later
            q &= Q(due_date__gte=today)
        else:
            q &= Q(due_date__lte=today - dt.timedelta(days=low))
        if high is not None and low is not None:
            q &= Q(due_date__gte=today - dt.timedelta(days=high))
        sums[key] = Sum(balance, filter=q)
    return sums


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    for key, *_rest in BUCKETS:
        row[key] = row[key] or Decimal("0")
    row["total"] = row["total"] or Decimal("0")
    row["buckets"] = [row[key] for key, *_rest in BUCKETS]
    row["overdue"] = row["total"] - row["not_due"]
    return row


def ageing(invoices: QuerySet[Invoice], today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Balances per customer, per salesperson and in total, each per currency
    (three queries)."""
    sums = _bucket_sums(today)
    by_customer = (
        invoices.values("customer_id", "customer__name", "customer__code", "currency")
        .annotate(**sums)
        .order_by("customer__name", "customer_id", "currency")
    )
    by_salesperson = (
        invoices.values(
            "salesperson_id",
            "salesperson__first_name",
            "salesperson__last_name",
            "salesperson__username",
            "currency",
        )
        .annotate(**sums)
        .order_by("salesperson__username", "currency")
    )
    totals = invoices.values("currency").annotate(**sums).order_by("currency")
    people = []
    for row in by_salesperson:
        full = f"{row['salesperson__first_name']} {row['salesperson__last_name']}".strip()
        row["name"] = full or row["salesperson__username"]
        people.append(_clean(row))
    return {
        "customers": [_clean(r) for r in by_customer],
        "salespeople": people,
        "totals": [_clean(r) for r in totals],
    }


def bucket_labels() -> list[Any]:
    return [label for _key, label, *_rest in BUCKETS]
