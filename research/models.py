"""P2 market research (市场调研): the research plan (市场调研策划流程 SC-001) with its
budget, review and four signatures, the fieldwork tasks of the key-account
managers (市场调研流程), and the research report (《市场调研报告》)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    SignOffStep,
    form_fields,
    step,
)
from workflows.models import AdminHistory, DocumentRevision, WorkflowModel
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE

from .conditions import fieldwork_done, needs_budget_approval, skips_budget_approval

SECTION = 4000  # characters a section of the plan, the findings or the report may hold
MAX_LINE_AMOUNT = Decimal("100000000")  # yuan on one budget line: far above any survey
MAX_QUESTIONS = 50
MAX_QUESTION = 300  # characters of one question
MAX_CHOICES = 10  # choices of a single-choice question
MAX_CHOICE = 100  # characters of one choice
SCALE = range(1, 6)  # the answers of a scale question
CENT = Decimal("0.01")

# Who reads the plans and tasks: the marketing department's managers and the
# leadership who sign the plan (README, "Security").
RESEARCH_READERS = ("marketing_manager", "ka_dept_manager", *MANAGER_ROLES)


class ResearchPlan(WorkflowModel):
    """《市场调研策划书》: drafted by the marketing manager, reviewed by the
    product-marketing manager, its budget approved by the division general
    manager and the general manager (not for routine plans), signed by four,
    carried out by the key-account managers and closed with the report."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Drafting the plan")
        REVIEW = "review", _("Plan review")
        BUDGET_APPROVAL = "budget_approval", _("Budget approval")
        GM_APPROVAL = "gm_approval", _("General manager's approval")
        SIGN_OFF = "sign_off", _("Joint sign-off")
        APPROVED = "approved", _("Approved: preparing materials")
        FIELDWORK = "fieldwork", _("Fieldwork")
        REPORTING = "reporting", _("Writing the report")
        REPORT_REVIEW = "report_review", _("Report review")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual research plan")
        MONTHLY = "monthly", _("Monthly research plan")
        MAJOR = "major", _("Major special research plan")
        ROUTINE = "routine", _("Routine research plan")

    # The types whose budget goes to the division general manager and the general manager.
    BUDGETED = frozenset({Kind.ANNUAL, Kind.MONTHLY, Kind.MAJOR})

    reference_prefix = "MR"
    final_states = frozenset({State.COMPLETED, State.CANCELLED})
    owner_field = "owner"
    owner_role = "marketing_manager"
    creator_roles = ("marketing_manager",)
    # The key-account managers carry the plans out: they read them all (their
    # tasks link to them); each reads only their own tasks.
    read_scope = Owner() | Roles("ka_manager", *RESEARCH_READERS) | CurrentStep() | Escalated()
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(3)
    # The plan's printout bears the drafter's and the four signers' names.
    print_signatures = (
        "marketing_manager",
        "product_marketing_manager",
        "division_gm",
        "tech_director",
        "gm",
        "ka_dept_manager",
    )
    create_form = form_fields(
        ["title", "kind", "period_start", "period_end", "owner", "objectives"],
        not_in_past=["period_end"],
    )
    form_widgets = {
        "kind": forms.RadioSelect,
        "objectives": forms.Textarea(attrs={"rows": 3}),
        "content": forms.Textarea(attrs={"rows": 4}),
        "method": forms.Textarea(attrs={"rows": 3}),
        "schedule": forms.Textarea(attrs={"rows": 3}),
        "collection_notes": forms.Textarea(attrs={"rows": 3}),
        "report_competitors": forms.Textarea(attrs={"rows": 5}),
        "report_customer_needs": forms.Textarea(attrs={"rows": 5}),
        "report_special_requirements": forms.Textarea(attrs={"rows": 4}),
        "report_conclusions": forms.Textarea(attrs={"rows": 4}),
    }
    search_fields = ("reference", "title", "objectives", "content")
    list_columns = ("title", "kind", "period_start", "period_end", "budget_total", "owner")
    list_filterset = "research.filters.ResearchPlanFilter"  # the type and the period
    list_related = ("owner",)
    record_related = ("owner",)
    sign_off_steps = {
        State.SIGN_OFF: SignOffStep(
            roles=("product_marketing_manager", "tech_director", "gm", "ka_dept_manager"),
            label=_("Joint sign-off of the research plan"),
            on_refuse="return_from_sign_off",
        )
    }

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
    title = models.CharField(_("research subject"), max_length=200)
    kind = models.CharField(_("plan type"), max_length=10, choices=Kind.choices)
    period_start = models.DateField(_("research starts"), validators=FUTURE_DATE)
    period_end = models.DateField(_("research ends"), validators=FUTURE_DATE)
    # 《市场调研策划书》: 调研计划、内容、方案、预算
    objectives = models.TextField(_("research objectives"), max_length=SECTION)
    content = models.TextField(_("research content"), blank=True, max_length=SECTION)
    method = models.TextField(_("research method"), blank=True, max_length=SECTION)
    schedule = models.TextField(_("research schedule"), blank=True, max_length=SECTION)
    budget_total = models.DecimalField(
        _("budget total (yuan)"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    # 《市场信息收集表》 (the questionnaire, 《市场调研问卷》, is the plan's Question rows)
    collection_notes = models.TextField(
        _("notes on the information-collection form"), blank=True, max_length=SECTION
    )
    # 《市场调研报告》: the revision being written (frozen copies are ReportRevision rows)
    report_competitors = models.TextField(_("competitors"), blank=True, max_length=SECTION)
    report_customer_needs = models.TextField(_("customer needs"), blank=True, max_length=SECTION)
    report_special_requirements = models.TextField(
        _("special requirements"), blank=True, max_length=SECTION
    )
    report_conclusions = models.TextField(_("conclusions"), blank=True, max_length=SECTION)

    class Meta(WorkflowModel.Meta):
        verbose_name = _("market research plan")
        verbose_name_plural = _("market research plans")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The research cannot end before it starts.")})

    @property
    def subject(self) -> str:
        return self.title

    @property
    def budgeted(self) -> bool:
        return self.kind in self.BUDGETED

    def page_context(self, user: Any) -> dict[str, Any]:
        tasks = list(
            self.tasks.select_related("owner")
            .prefetch_related(answers_with_questions())
            .order_by("due_date", "pk")
        )
        questions = list(self.questions.all())
        return {
            "budget_lines": list(self.budget_lines.all()),
            "questions": questions,
            "summary": answer_summary(self, questions),
            "tasks": tasks,
            "tasks_open": sum(1 for t in tasks if not t.is_final),
            "revisions": list(self.report_revisions.select_related("submitted_by", "approved_by")),
        }

    # 1. 市场经理编制《市场调研策划书》

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.REVIEW,
        custom=step(
            label=_("Submit the plan for review"),
            roles=["marketing_manager"],
            rule=OwnerOnly("owner"),
            fields=["objectives", "content", "method", "schedule"],
            required=["objectives", "content", "method", "schedule"],
            form="research.forms.PlanBudgetForm",
            attachments=True,
            due=WorkingDays(2),
            effect="research.services.budget_save",
        ),
    )
    def submit_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        self.budget_total = sum((amount for _item, amount in data["budget"]), Decimal(0))

    # 2. 产品市场部经理审核

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.DRAFT,
        custom=step(
            label=_("Return the plan with comments"),
            roles=["product_marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
        ),
    )
    def return_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.BUDGET_APPROVAL,
        conditions=[needs_budget_approval],
        custom=step(
            label=_("Pass the review: to budget approval"),
            roles=["product_marketing_manager"],
            style="success",
            due=WorkingDays(2),
        ),
    )
    def pass_review(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.SIGN_OFF,
        conditions=[skips_budget_approval],
        custom=step(
            label=_("Pass the review: to the sign-off (routine plan)"),
            roles=["product_marketing_manager"],
            style="success",
            due=WorkingDays(3),
        ),
    )
    def pass_review_routine(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 3. 事业部经理审批预算; 总经理审核并签署意见

    @transition(
        field=state,
        source=State.BUDGET_APPROVAL,
        target=State.GM_APPROVAL,
        custom=step(
            label=_("Approve the budget"),
            roles=["division_gm"],
            style="success",
            due=WorkingDays(2),
        ),
    )
    def approve_budget(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.BUDGET_APPROVAL,
        target=State.DRAFT,
        custom=step(
            label=_("Return the budget"),
            roles=["division_gm"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
        ),
    )
    def return_budget(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.GM_APPROVAL,
        target=State.SIGN_OFF,
        custom=step(
            label=_("Approve the plan and its budget"),
            roles=["gm"],
            comment="required",
            style="success",
            due=WorkingDays(3),
        ),
    )
    def gm_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.GM_APPROVAL,
        target=State.DRAFT,
        custom=step(
            label=_("Return the plan to the marketing manager"),
            roles=["gm"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
        ),
    )
    def gm_return(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 4. 产品市场部牵头技术总监、公司总经理、大客户部经理共同签准

    @transition(
        field=state,
        source=State.SIGN_OFF,
        target=State.APPROVED,
        conditions=[all_signed],
        custom=step(
            label=_("Approve the signed plan"),
            roles=["product_marketing_manager"],
            style="success",
            due=WorkingDays(3),
        ),
    )
    def approve_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SIGN_OFF,
        target=State.DRAFT,
        custom=step(
            label=_("Return the plan (sign-off refused)"),
            roles=["product_marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(2),
            inbox=False,
        ),
    )
    def return_from_sign_off(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 市场调研流程 1. 市场经理准备《市场调研问卷》、《市场信息收集表》

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.FIELDWORK,
        custom=step(
            label=_("Issue the questionnaire and the collection form"),
            roles=["marketing_manager"],
            rule=OwnerOnly("owner"),
            fields=["collection_notes"],
            required=["collection_notes"],
            form="research.forms.MaterialsForm",
            attachments=True,
            due=WorkingDays(3),
            effect="research.services.questions_save",
        ),
    )
    def issue_materials(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 2. 大客户部经理为大客户经理布置调研任务

    @transition(
        field=state,
        source=State.FIELDWORK,
        target=State.FIELDWORK,
        custom=step(
            label=_("Assign a research task"),
            roles=["ka_dept_manager"],
            form="research.forms.TaskAssignForm",
            comment="hidden",
            due="period_end",
            effect="research.services.task_assign",
        ),
    )
    def assign_task(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 4. 市场经理审核大客户经理的调研资料, 编写《市场调研报告》

    @transition(
        field=state,
        source=State.FIELDWORK,
        target=State.REPORTING,
        conditions=[fieldwork_done],
        custom=step(
            label=_("Close the fieldwork: write the report"),
            roles=["marketing_manager"],
            due=WorkingDays(5),
        ),
    )
    def close_fieldwork(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REPORTING,
        target=State.REPORT_REVIEW,
        custom=step(
            label=_("Submit the research report"),
            roles=["marketing_manager"],
            rule=OwnerOnly("owner"),
            fields=[
                "report_competitors",
                "report_customer_needs",
                "report_special_requirements",
                "report_conclusions",
            ],
            required=[
                "report_competitors",
                "report_customer_needs",
                "report_special_requirements",
                "report_conclusions",
            ],
            attachments=True,
            due=WorkingDays(3),
            effect="research.services.report_freeze",
        ),
    )
    def submit_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # 5. 《市场调研报告》经产品市场部经理审核通过

    @transition(
        field=state,
        source=State.REPORT_REVIEW,
        target=State.REPORTING,
        custom=step(
            label=_("Return the report with comments"),
            roles=["product_marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(3),
        ),
    )
    def return_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REPORT_REVIEW,
        target=State.COMPLETED,
        custom=step(
            label=_("Approve the research report"),
            roles=["product_marketing_manager"],
            style="success",
            effect="research.services.report_approve",
        ),
    )
    def approve_report(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[
            State.DRAFT,
            State.REVIEW,
            State.BUDGET_APPROVAL,
            State.GM_APPROVAL,
            State.SIGN_OFF,
            State.APPROVED,
        ],
        target=State.CANCELLED,
        custom=step(
            label=_("Cancel the research plan"),
            roles=["marketing_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def cancel_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class BudgetLine(models.Model):
    """One line of the plan's budget (调研预算); the plan's total is their sum."""

    plan = models.ForeignKey(ResearchPlan, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField(_("line"), editable=False)
    item = models.CharField(_("budget item"), max_length=200)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LINE_AMOUNT)],
    )

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="unique_budget_line")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class ReportRevision(DocumentRevision):
    """A submitted revision of the research report (《市场调研报告》), frozen:
    read, never changed (``workflows.services.revision_submit``)."""

    record_field = "plan"

    plan = models.ForeignKey(
        ResearchPlan, on_delete=models.CASCADE, related_name="report_revisions"
    )
    competitors = models.TextField(_("competitors"), editable=False)
    customer_needs = models.TextField(_("customer needs"), editable=False)
    special_requirements = models.TextField(_("special requirements"), editable=False)
    conclusions = models.TextField(_("conclusions"), editable=False)

    SECTIONS = ("competitors", "customer_needs", "special_requirements", "conclusions")

    class Meta:
        verbose_name = _("research report revision")
        verbose_name_plural = _("research report revisions")
        ordering = ["plan", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "revision"], name="unique_research_revision")
        ]

    def __str__(self) -> str:
        return str(_("revision %(n)s") % {"n": self.revision})


class ResearchTask(WorkflowModel):
    """A key-account manager's research task (调研任务): assigned by the
    key-account department manager, its findings filed on the
    information-collection form (《市场信息收集表》) and accepted or returned
    by the marketing manager."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Researching")
        SUBMITTED = "submitted", _("Findings submitted")
        ACCEPTED = "accepted", _("Accepted")
        CANCELLED = "cancelled", _("Cancelled")

    reference_prefix = "RT"
    start_labels = {"assign": _("Assigned from the research plan")}
    final_states = frozenset({State.ACCEPTED, State.CANCELLED})
    owner_field = "owner"
    owner_role = "ka_manager"
    # Assigned by the key-account department manager, from the plan's fieldwork
    # step or the tasks' creation page, for a key-account manager.
    creator_roles = ("ka_dept_manager",)
    on_behalf_roles = ("ka_dept_manager",)
    create_form = form_fields(
        ["plan", "owner", "area", "due_date", "training_notes"],
        not_in_past=["due_date"],
        limit_choices_to={"plan": {"state": "fieldwork"}},
    )
    read_scope = Owner() | Roles(*RESEARCH_READERS) | CurrentStep() | Escalated()
    manager_roles = ("marketing_manager",)
    initial_due = "due_date"
    subject_related = ("plan",)
    search_fields = ("reference", "plan__reference", "plan__title", "area")
    list_columns = ("plan", "area", "owner", "due_date")
    list_related = ("plan", "owner")
    record_related = ("plan", "owner")
    url_prefix = "tasks/"
    form_widgets = {
        "competitor_info": forms.Textarea(attrs={"rows": 4}),
        "product_info": forms.Textarea(attrs={"rows": 3}),
        "price_info": forms.Textarea(attrs={"rows": 3}),
        "customer_needs": forms.Textarea(attrs={"rows": 4}),
        "special_requirements": forms.Textarea(attrs={"rows": 3}),
    }

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.ASSIGNED, protected=True
    )
    plan = models.ForeignKey(
        ResearchPlan,
        verbose_name=_("market research plan"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key-account manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.CharField(_("region or customer segment"), max_length=200)
    due_date = models.DateField(_("findings due"), validators=FUTURE_DATE)
    training_notes = models.TextField(_("research training"), blank=True, max_length=SECTION)
    # 《市场信息收集表》
    competitor_info = models.TextField(_("competitors"), blank=True, max_length=SECTION)
    product_info = models.TextField(_("products"), blank=True, max_length=SECTION)
    price_info = models.TextField(_("prices"), blank=True, max_length=SECTION)
    customer_needs = models.TextField(_("customer needs"), blank=True, max_length=SECTION)
    special_requirements = models.TextField(
        _("special requirements"), blank=True, max_length=SECTION
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("research task")
        verbose_name_plural = _("research tasks")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.plan.title} · {self.area}"

    def page_context(self, user: Any) -> dict[str, Any]:
        given = {a.question_id: a.value for a in self.answers.all()}
        return {"questions": [(q, given.get(q.pk)) for q in self.plan.questions.all()]}

    def clean(self) -> None:
        super().clean()
        if self.plan_id and self.owner_id:
            problems = task_problems(self.plan, self.owner, self.due_date, task_pk=self.pk)
            if problems:
                raise ValidationError(problems)

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=State.SUBMITTED,
        custom=step(
            label=_("Submit the findings"),
            roles=["ka_manager"],
            rule=OwnerOnly("owner"),
            fields=[
                "competitor_info",
                "product_info",
                "price_info",
                "customer_needs",
                "special_requirements",
            ],
            required=["competitor_info", "product_info", "price_info", "customer_needs"],
            form="research.forms.FindingsForm",
            attachments=True,
            due=WorkingDays(2),
            effect="research.services.answers_save",
        ),
    )
    def submit_findings(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.ASSIGNED,
        custom=step(
            label=_("Return the findings with comments"),
            roles=["marketing_manager"],
            comment="required",
            style="danger",
            due="due_date",
        ),
    )
    def return_findings(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.ACCEPTED,
        custom=step(
            label=_("Accept the findings"),
            roles=["marketing_manager"],
            style="success",
            effect="research.services.task_closed",
        ),
    )
    def accept_findings(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.ASSIGNED, State.SUBMITTED],
        target=State.CANCELLED,
        custom=step(
            label=_("Withdraw the task"),
            roles=["ka_dept_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
            effect="research.services.task_closed",
        ),
    )
    def withdraw_task(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


def task_problems(
    plan: ResearchPlan, owner: Any, due_date: Any, *, task_pk: int | None = None
) -> dict[str, Any]:
    """What is wrong with a research task for ``owner`` due on ``due_date`` in
    ``plan``: by field, the message (none when it may be assigned)."""
    problems: dict[str, Any] = {}
    if plan.state != ResearchPlan.State.FIELDWORK:
        problems["plan"] = _("Tasks are assigned while the plan is in fieldwork.")
    if not owner.groups.filter(name="ka_manager").exists():
        problems["owner"] = _("A research task goes to a key-account manager only.")
    elif (
        plan.tasks.filter(owner=owner)
        .exclude(state=ResearchTask.State.CANCELLED)
        .exclude(pk=task_pk)
        .exists()
    ):
        problems["owner"] = _("This key-account manager already has a task in this plan.")
    if due_date and plan.period_end and due_date > plan.period_end:
        problems["due_date"] = _("The task must be due by the end of the research (%(date)s).") % {
            "date": plan.period_end.isoformat()
        }
    return problems


class Question(models.Model):
    """One question of the plan's questionnaire (《市场调研问卷》), written by the
    marketing manager when issuing it and fixed once the fieldwork starts."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("Single choice")
        SCALE = "scale", _("Scale of 1 to 5")

    plan = models.ForeignKey(ResearchPlan, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("number"), editable=False)
    text = models.CharField(_("question"), max_length=MAX_QUESTION)
    kind = models.CharField(
        _("kind of answer"), max_length=10, choices=Kind.choices, default=Kind.TEXT
    )
    choices = models.TextField(
        _("choices: one a line"), blank=True, max_length=MAX_CHOICES * (MAX_CHOICE + 1)
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="unique_question")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class Answer(models.Model):
    """A key-account manager's answer to one question, filed with the task's
    findings: free text, one of the question's choices, or 1 to 5."""

    task = models.ForeignKey(ResearchTask, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.TextField(_("answer"), max_length=SECTION)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["task", "question__position"]
        constraints = [models.UniqueConstraint(fields=["task", "question"], name="unique_answer")]

    def __str__(self) -> str:
        return self.value


def answers_with_questions() -> models.Prefetch:
    """A task's answers in the questions' order, each with its question."""
    return models.Prefetch(
        "answers", queryset=Answer.objects.select_related("question").order_by("question__position")
    )


def answer_summary(plan: ResearchPlan, questions: list[Question]) -> list[dict[str, Any]]:
    """Per question, the answers of the plan's accepted tasks: how many, how
    many chose each choice, the mean of a scale (two decimals), in one query."""
    counts: dict[int, dict[str, int]] = {q.pk: {} for q in questions}
    rows = (
        Answer.objects.filter(task__plan=plan, task__state=ResearchTask.State.ACCEPTED)
        .values_list("question_id", "value")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for question_id, value, n in rows:
        if question_id in counts:
            counts[question_id][value] = n
    summary = []
    for q in questions:
        given = counts[q.pk]
        total = sum(given.values())
        row: dict[str, Any] = {"question": q, "answered": total, "counts": [], "mean": None}
        if q.kind == Question.Kind.CHOICE:
            row["counts"] = [(c, given.get(c, 0)) for c in q.choice_list()]
        elif q.kind == Question.Kind.SCALE:
            row["counts"] = [(str(v), given.get(str(v), 0)) for v in SCALE]
            scored = sum(v * given.get(str(v), 0) for v in SCALE)
            if total:
                row["mean"] = (Decimal(scored) / total).quantize(CENT)
        summary.append(row)
    return summary


from .models_plans import PromotionAction, PromotionPlan, SalesPlan, SalesPlanLine  # noqa: E402, F401
from .models_property import Development, District, PropertySurvey  # noqa: E402, F401
