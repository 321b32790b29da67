"""The month's sales plans in one table (the key-account department
manager's consolidation, the product-marketing manager's approval) and its
printout; each plan's own pages are the engine's (research/urls.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from workflows.services import FormInvalid, WorkflowError

from .models_plans import SalesPlan, next_month, previous_month
from .plan_forms import PlansStepForm
from .plan_services import month_plans, plans_step

# What each month-page action does, as its button says it.
ACTIONS = {
    "consolidate_sales_plan": SalesPlan.State.SUBMITTED,
    "approve_sales_plan": SalesPlan.State.REVIEW,
    "reject_sales_plan": SalesPlan.State.REVIEW,
}


def _month(year: int, month: int) -> dt.date:
    """The month of the address; none outside the years plans are kept for."""
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise Http404
    return dt.date(year, month, 1)


def month_url(month: dt.date, name: str = "salesplan_month") -> str:
    return reverse(f"research:{name}", kwargs={"year": month.year, "month": month.month})


def _actions(request: HttpRequest, people: list[Any]) -> list[dict[str, Any]]:
    """The month-page steps the user holds, each with the plans it applies to."""
    found = []
    for name, state in ACTIONS.items():
        if not request.user.has_perm(f"research.transition_{name}"):
            continue
        step = SalesPlan.step_of(name)
        found.append(
            {
                "name": name,
                "label": step.label,
                "style": step.style or "primary",
                "plans": [p.plan for p in people if p.plan.state == state],
                "comment": step.comment,
            }
        )
    return found


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sales_plan_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """Every key-account manager's plan of a month the user reads, with each
    person's totals and the month's; the steps the user may take on several
    plans at once (consolidate; approve, or return the chosen ones)."""
    first = _month(year, month)
    form = None
    if request.method == "POST":
        seqs = dict(
            SalesPlan.objects.filter(month=first).values_list("pk", "step_seq")  # choices only
        )
        form = PlansStepForm(request.POST, choices=seqs)
        if form.is_valid():
            name = form.cleaned_data["step"]
            try:
                moved = plans_step(
                    user=request.user,
                    name=name,
                    seen=form.cleaned_data["seen"],
                    comment=form.cleaned_data["comment"],
                )
            except PermissionDenied as error:
                messages.error(request, str(error) or _("You may not take this step."))
            except FormInvalid as error:
                problems = [str(m) for e in error.form.errors.values() for m in e]
                messages.error(request, " ".join(problems) or str(error))
            except WorkflowError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("“%(step)s”: %(refs)s.")
                    % {
                        "step": SalesPlan.step_of(name).label,
                        "refs": ", ".join(p.reference for p in moved),
                    },
                )
            # Taken or refused (the message says which): the month as it is now.
            return redirect(month_url(first))
    plans = month_plans(request.user, first)  # PermissionDenied: 403 for who has no role
    status = 400 if form is not None and not form.is_valid() else 200
    this_month = timezone.localdate().replace(day=1)
    actions = _actions(request, plans.people)
    return render(
        request,
        "research/salesplan_month.html",
        {
            "month": plans,
            "actions": actions,
            "choosable": {p.pk for a in actions for p in a["plans"]},
            "form": form,
            "previous_url": month_url(previous_month(first)),
            "next_url": month_url(next_month(first)),
            "this_month_url": month_url(next_month(this_month)),
            "print_url": month_url(first, "salesplan_month_print"),
            "model": SalesPlan,
            "opts": SalesPlan._meta,
        },
        status=status,
    )


@login_required
@require_safe
def sales_plan_month_print(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """The consolidated sales plan of a month (《销售计划表》), printable."""
    first = _month(year, month)
    plans = month_plans(request.user, first)
    return render(
        request,
        "research/salesplan_month_print.html",
        {"month": plans, "back_url": month_url(first)},
    )


@login_required
@require_safe
def sales_plan_months(request: HttpRequest) -> HttpResponse:
    """The month page of next month's plans (the one being drafted), or of the
    month asked for with ``?month=YYYY-MM``."""
    asked = request.GET.get("month", "")
    try:
        first = dt.datetime.strptime(asked, "%Y-%m").date()
    except ValueError:
        first = next_month(timezone.localdate().replace(day=1))
    return redirect(month_url(first))
