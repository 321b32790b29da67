"""Conditions of the research plan's steps; each says itself as a filter too
(``q``), so that the inbox reads it with the records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import ResearchPlan


def needs_budget_approval(record: ResearchPlan) -> bool:
    """Annual, monthly and major plans go to budget approval (SC-001, step 3)."""
    return record.budgeted


def _budgeted_q(model: type[ResearchPlan]) -> Q:
    return Q(kind__in=list(model.BUDGETED))


needs_budget_approval.message = _(  # type: ignore[attr-defined]
    "A routine plan skips the budget approval."
)
needs_budget_approval.q = _budgeted_q  # type: ignore[attr-defined]


def skips_budget_approval(record: ResearchPlan) -> bool:
    """Routine plans go straight to the sign-off."""
    return not record.budgeted


skips_budget_approval.message = _(  # type: ignore[attr-defined]
    "Annual, monthly and major special plans go to budget approval first."
)
skips_budget_approval.q = lambda model: ~_budgeted_q(model)  # type: ignore[attr-defined]


def fieldwork_done(record: ResearchPlan) -> bool:
    """Tasks were assigned and every one is accepted (withdrawn ones aside)."""
    states = set(record.tasks.values_list("state", flat=True))
    task_model = record.tasks.model
    return task_model.State.ACCEPTED in states and states <= {
        task_model.State.ACCEPTED,
        task_model.State.CANCELLED,
    }


def _fieldwork_done_q(model: type[ResearchPlan]) -> Q:
    task_model = model._meta.get_field("tasks").related_model
    tasks = task_model.objects.filter(plan=OuterRef("pk"))
    return Q(Exists(tasks.filter(state=task_model.State.ACCEPTED))) & ~Q(
        Exists(tasks.exclude(state__in=[task_model.State.ACCEPTED, task_model.State.CANCELLED]))
    )


fieldwork_done.message = _(  # type: ignore[attr-defined]
    "Every research task must be accepted before the report is written."
)
fieldwork_done.q = _fieldwork_done_q  # type: ignore[attr-defined]
