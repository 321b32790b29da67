"""P2b planning: the key-account managers' monthly sales plans (《销售计划表》,
销售计划制订、审批流程 SC-004) and the promotion plan (《市场推广计划指导书》,
市场推广策划流程)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models import Customer
from workflows.calendar import WorkingDays, end_of, working_day_on_or_before
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    form_fields,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE

PLAN_DAY = 26  # SC-004: each month's plan is handed in on the 26th of the month before
MAX_QUANTITY = 10_000_000  # pieces of one product for one customer in a month
MAX_UNIT_PRICE = Decimal("10000000")  # yuan
MAX_PLAN_LINES = 60
NOTES = 2000
SECTION = 4000  # characters of the promotion plan's goals, strategy or schedule
MAX_ACTIONS = 40
CENT = Decimal("0.01")

# Who reads every key-account manager's plan: the key-account department
# manager who consolidates them, the product-marketing manager who approves,
# and the other managers.
SALES_PLAN_READERS = ("ka_dept_manager", "product_marketing_manager", *MANAGER_ROLES)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def plan_deadline(month: dt.date) -> dt.date:
    """The day a month's plan is due: the 26th of the month before, or the
    working day before it when the 26th is not one (the engine's calendar:
    weekends, holidays and worked weekend days, 调休)."""
    return working_day_on_or_before(previous_month(month).replace(day=PLAN_DAY))


@dataclass(frozen=True)
class PlanDeadline:
    """The deadline rule of a plan's drafting: the end of its month's
    deadline day (``plan_deadline``), kept on the plan as it was set."""

    def __call__(self, record: SalesPlan) -> dt.datetime:
        record.month = first_of_month(record.month)
        if record.deadline is None:
            record.deadline = plan_deadline(record.month)
        return end_of(record.deadline)


class SalesPlan(WorkflowModel):
    """One key-account manager's sales plan for one month (《销售计划表》):
    drafted by the 26th of the month before, consolidated by the key-account
    department manager, approved by the product-marketing manager (the sales
    tasks are then assigned) or returned to be drafted again."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Drafting the sales plan")
        SUBMITTED = "submitted", _("Awaiting consolidation")
        REVIEW = "review", _("Awaiting approval")
        APPROVED = "approved", _("Approved: sales tasks assigned")

    reference_prefix = "SL"
    start_labels = {"schedule": _("Opened by the monthly schedule")}
    final_states = frozenset({State.APPROVED})
    owner_field = "owner"
    owner_role = "ka_manager"
    creator_roles = ("ka_manager",)
    read_scope = Owner() | Roles(*SALES_PLAN_READERS) | CurrentStep() | Escalated()
    manager_roles = ("ka_dept_manager",)
    initial_due = PlanDeadline()
    remind_before = dt.timedelta(days=3)
    remind_every = dt.timedelta(days=1)
    print_signatures = ("ka_manager", "ka_dept_manager", "product_marketing_manager")
    create_form = form_fields(["owner", "month", "notes"])
    form_widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
    search_fields = ("reference", "owner__username", "owner__first_name", "owner__last_name")
    list_columns = ("month", "owner", "total_amount")
    list_filterset = "research.plan_filters.SalesPlanFilter"
    list_related = ("owner",)
    record_related = ("owner",)
    url_prefix = "sales-plans/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFT, protected=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key-account manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(
        _("plan month"),
        validators=FUTURE_DATE,
        help_text=_("Any day of the month: the plan is kept under its first day."),
    )
    deadline = models.DateField(_("hand in by"), null=True, editable=False)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES)
    total_quantity = models.PositiveIntegerField(_("total quantity"), default=0, editable=False)
    total_amount = models.DecimalField(
        _("total amount (yuan)"), max_digits=16, decimal_places=2, default=0, editable=False
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        constraints = [
            models.UniqueConstraint(fields=["owner", "month"], name="one_sales_plan_a_month")
        ]

    def __str__(self) -> str:
        label = f"{self.month:%Y-%m}" if self.month else ""
        return f"{self.reference} {label}".strip()

    @property
    def subject(self) -> str:
        return _("Sales plan of %(month)s") % {"month": f"{self.month:%Y-%m}"}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.month:
            self.month = first_of_month(self.month)
            if self.deadline is None:
                self.deadline = plan_deadline(self.month)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if not self.month:
            return
        self.month = first_of_month(self.month)
        if self._state.adding and self.month < first_of_month(timezone.localdate()):
            raise ValidationError(
                {"month": _("A sales plan is made for this month or a later one.")}
            )
        if self.owner_id:
            other = (
                SalesPlan.objects.filter(owner_id=self.owner_id, month=self.month)
                .exclude(pk=self.pk)
                .only("reference", "state")
                .first()
            )
            if other is not None:
                month = f"{self.month:%Y-%m}"
                if other.state == SalesPlan.State.APPROVED:
                    message = _("The sales plan of %(month)s is already approved (%(ref)s).")
                else:
                    message = _("There is already a sales plan of %(month)s (%(ref)s).")
                raise ValidationError({"month": message % {"month": month, "ref": other.reference}})

    @property
    def month_over(self) -> bool:
        return next_month(self.month) <= timezone.localdate()

    def page_context(self, user: Any) -> dict[str, Any]:
        from .plan_services import actual_by_customer

        lines = list(self.lines.select_related("customer"))
        context: dict[str, Any] = {"lines": lines}
        if self.month_over:
            context["comparison"] = actual_by_customer(self, lines, user)
            context["orders_hidden"] = context["comparison"] is None
        return context

    # 1. 大客户经理每月26日以《销售计划表》的形式提交月度销售计划

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        custom=step(
            label=_("Hand in the sales plan"),
            roles=["ka_manager"],
            rule=OwnerOnly("owner"),
            fields=["notes"],
            form="research.plan_forms.SalesPlanForm",
            attachments=True,
            due=WorkingDays(1),
            effect="research.plan_services.sales_lines_save",
        ),
    )
    def submit_sales_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        self.total_quantity = sum(q for _c, _p, q, _u in data["lines"])
        self.total_amount = sum(
            ((q * u).quantize(CENT) for _c, _p, q, u in data["lines"]), Decimal(0)
        )

    # 大客户部经理汇总后发产品市场部经理审核

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.REVIEW,
        custom=step(
            label=_("Consolidate: send to the product-marketing manager"),
            roles=["ka_dept_manager"],
            due=WorkingDays(2),
        ),
    )
    def consolidate_sales_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 2. 产品市场部经理签准后交大客户部经理布置销售任务，如签否由大客户经理重新拟订

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.APPROVED,
        custom=step(
            label=_("Approve the sales plan: assign the sales tasks"),
            roles=["product_marketing_manager"],
            style="success",
            notify=["ka_dept_manager"],
        ),
    )
    def approve_sales_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.DRAFT,
        custom=step(
            label=_("Return the sales plan to be drafted again"),
            roles=["product_marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
        ),
    )
    def reject_sales_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class SalesPlanLine(models.Model):
    """One row of the sales plan: a customer, a product, the quantity and the
    amount (quantity × unit price, computed by the server)."""

    plan = models.ForeignKey(SalesPlan, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("line"), editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.CharField(_("product"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    unit_price = models.DecimalField(
        _("unit price (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=16, decimal_places=2, editable=False
    )

    class Meta:
        verbose_name = _("sales plan line")
        verbose_name_plural = _("sales plan lines")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="unique_sales_plan_line")
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


# --- 市场推广策划流程: the promotion plan (《市场推广计划指导书》) ----------------------------


def promotion_more_open(record: PromotionPlan) -> bool:
    """More than one action is still to be done."""
    return record.actions_open() > 1


promotion_more_open.message = _(  # type: ignore[attr-defined]
    "Only one action is left: marking it done completes the plan."
)


def promotion_last_open(record: PromotionPlan) -> bool:
    """Exactly one action is still to be done."""
    return record.actions_open() == 1


promotion_last_open.message = _(  # type: ignore[attr-defined]
    "Several actions are still open: mark them done one by one."
)


class PromotionPlan(WorkflowModel):
    """《市场推广计划指导书》: drafted by the marketing manager from the market
    information, approved in turn by the key-account department manager, the
    technical director and the general manager (each may return it), then
    carried out by the key-account department manager action by action."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Drafting the promotion plan")
        DEPT_APPROVAL = "dept_approval", _("Department manager's approval")
        TECH_APPROVAL = "tech_approval", _("Technical director's approval")
        GM_APPROVAL = "gm_approval", _("General manager's approval")
        EXECUTING = "executing", _("Being carried out")
        DONE = "done", _("Done")

    reference_prefix = "PM"
    final_states = frozenset({State.DONE})
    owner_field = "owner"
    owner_role = "marketing_manager"
    creator_roles = ("marketing_manager",)
    read_scope = (
        Owner() | Roles(*SALES_PLAN_READERS, "marketing_manager") | CurrentStep() | Escalated()
    )
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(5)
    print_signatures = ("marketing_manager", "ka_dept_manager", "tech_director", "gm")
    create_form = form_fields(
        ["title", "research_plan", "owner", "goals"],
        limit_choices_to={"research_plan": {"state": "completed"}},
    )
    form_widgets = {
        "goals": forms.Textarea(attrs={"rows": 3}),
        "strategy": forms.Textarea(attrs={"rows": 4}),
        "schedule": forms.Textarea(attrs={"rows": 3}),
    }
    search_fields = ("reference", "title", "goals", "strategy")
    list_columns = ("title", "research_plan", "budget_total", "owner")
    list_related = ("owner", "research_plan")
    record_related = ("owner", "research_plan")
    url_prefix = "promotion-plans/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFT, protected=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marketing manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("promotion subject"), max_length=200)
    research_plan = models.ForeignKey(
        "research.ResearchPlan",
        verbose_name=_("from the market research plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promotion_plans",
    )
    goals = models.TextField(_("promotion goals"), max_length=SECTION)
    strategy = models.TextField(_("promotion strategy"), blank=True, max_length=SECTION)
    schedule = models.TextField(_("promotion schedule"), blank=True, max_length=SECTION)
    budget_total = models.DecimalField(
        _("budget total (yuan)"), max_digits=16, decimal_places=2, default=0, editable=False
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("promotion plan")
        verbose_name_plural = _("promotion plans")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title

    @property
    def subject(self) -> str:
        return self.title

    def actions_open(self) -> int:
        return self.actions.filter(done_at__isnull=True).count()

    def page_context(self, user: Any) -> dict[str, Any]:
        actions = list(self.actions.select_related("done_by"))
        return {
            "promotion_actions": actions,
            "actions_open": sum(1 for a in actions if not a.done_at),
        }

    # 2. 市场经理汇总信息，拟定《市场推广计划指导书》

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.DEPT_APPROVAL,
        custom=step(
            label=_("Submit the promotion plan for approval"),
            roles=["marketing_manager"],
            rule=OwnerOnly("owner"),
            fields=["goals", "strategy", "schedule"],
            required=["goals", "strategy", "schedule"],
            form="research.plan_forms.PromotionPlanForm",
            attachments=True,
            due=WorkingDays(2),
            effect="research.plan_services.promotion_actions_save",
        ),
    )
    def submit_promotion(self, *, by: Any, data: dict[str, Any]) -> None:
        self.budget_total = sum((row[4] for row in data["actions"]), Decimal(0))

    # 分别提交部门经理、技术总监和公司总经理审批

    @transition(
        field=state,
        source=State.DEPT_APPROVAL,
        target=State.TECH_APPROVAL,
        custom=step(
            label=_("Approve: to the technical director"),
            roles=["ka_dept_manager"],
            style="success",
            due=WorkingDays(2),
        ),
    )
    def promotion_dept_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.TECH_APPROVAL,
        target=State.GM_APPROVAL,
        custom=step(
            label=_("Approve: to the general manager"),
            roles=["tech_director"],
            style="success",
            due=WorkingDays(2),
        ),
    )
    def promotion_tech_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.GM_APPROVAL,
        target=State.EXECUTING,
        custom=step(
            label=_("Approve the promotion plan: carry it out"),
            roles=["gm"],
            style="success",
            notify=["ka_dept_manager"],
            due=WorkingDays(20),
        ),
    )
    def promotion_gm_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.DEPT_APPROVAL, State.TECH_APPROVAL, State.GM_APPROVAL],
        target=State.DRAFT,
        custom=step(
            label=_("Return the promotion plan with comments"),
            roles=["ka_dept_manager", "tech_director", "gm"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
        ),
    )
    def promotion_return(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 3. 审批通过后，大客户部经理按计划执行

    @transition(
        field=state,
        source=State.EXECUTING,
        target=State.EXECUTING,
        conditions=[promotion_more_open],
        custom=step(
            label=_("Mark an action done"),
            roles=["ka_dept_manager"],
            form="research.plan_forms.ActionDoneForm",
            comment="hidden",
            attachments=True,
            due=WorkingDays(20),
            effect="research.plan_services.promotion_action_done",
        ),
    )
    def promotion_action_done(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.EXECUTING,
        target=State.DONE,
        conditions=[promotion_last_open],
        custom=step(
            label=_("Mark the last action done: plan carried out"),
            roles=["ka_dept_manager"],
            form="research.plan_forms.ActionDoneForm",
            comment="hidden",
            attachments=True,
            style="success",
            effect="research.plan_services.promotion_action_done",
        ),
    )
    def promotion_last_action_done(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class PromotionAction(models.Model):
    """One action of the promotion plan: what, who, from when to when, its
    budget; marked done by the key-account department manager with a note."""

    plan = models.ForeignKey(PromotionPlan, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(_("number"), editable=False)
    what = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("carried out by"), max_length=100)
    starts = models.DateField(_("starts"), validators=FUTURE_DATE)
    ends = models.DateField(_("ends"), validators=FUTURE_DATE)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    done_note = models.TextField(_("how it was done"), blank=True, max_length=NOTES)
    done_at = models.DateTimeField(_("done at"), null=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("promotion action")
        verbose_name_plural = _("promotion actions")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="unique_promotion_action")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.what}"
