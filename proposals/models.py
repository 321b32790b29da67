"""P1 project proposal (项目提报): a developer's project from lead to a won or lost pitch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
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
from workflows.validators import FUTURE_DATE, PAST_DATE

from .conditions import draft_complete

SECTION = 4000  # characters a report section may hold
# A region's construction, sales or stock in 10,000 m²: a whole city is a few thousand.
MAX_MARKET_AREA = 100_000
MAX_PRICE = 1_000_000  # yuan/m², several times the dearest homes in China
MAX_UNIT_AREA = 10_000  # m² of one unit


class Proposal(WorkflowModel):
    class State(models.TextChoices):
        LEAD = "lead", _("Lead")
        ASSESSING = "assessing", _("Phase 1: assessing")
        AWAITING_DECISION = "awaiting_decision", _("Pitch decision")
        DECLINED = "declined", _("Declined")
        PLANNING = "planning", _("Phase 2: research plan")
        RESEARCHING = "researching", _("Researching")
        PRELIMINARY_REPORT = "preliminary_report", _("Preliminary report submitted")
        CONSULTING = "consulting", _("Phase 3: consulting strategy and creative")
        REVISING = "revising", _("Revising the report")
        FORMAL_REVIEW = "formal_review", _("Formal report for approval")
        PROPOSED = "proposed", _("Proposed")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Recommendation(models.TextChoices):
        PITCH = "pitch", _("Pitch")
        NO_PITCH = "no_pitch", _("Do not pitch")

    reference_prefix = "PP"
    final_states = frozenset({State.DECLINED, State.WON, State.LOST})
    owner_field = "owner"
    # Each business developer opens their own leads; the marketing manager
    # may open one for any business developer.
    creator_roles = ("bd", "marketing_manager")
    on_behalf_roles = ("marketing_manager",)
    # A business developer reads their own proposals; the researchers, the
    # strategy and creative departments who work on every pitch, and the
    # managers read them all (README, "Security").
    read_scope = (
        Owner()
        | Roles("researcher", "strategy", "creative", *MANAGER_ROLES)
        | CurrentStep()
        | Escalated()
    )
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(2)
    final_deadline_field = "pitch_deadline"
    owner_role = "bd"
    create_form = form_fields(
        [
            "developer_name",
            "developer_contact",
            "developer_phone",
            "project_name",
            "plot",
            "location",
            "pitch_deadline",
            "owner",
            "lead_notes",
        ],
        not_in_past=["pitch_deadline"],
    )
    form_widgets = {
        "recommendation": forms.RadioSelect,
        "developer_background": forms.Textarea(attrs={"rows": 4}),
        "research_plan": forms.Textarea(attrs={"rows": 4}),
    }
    search_fields = ("reference", "project_name", "developer_name", "location", "plot")
    list_columns = ("project_name", "developer_name", "owner", "pitch_deadline")
    list_filterset = "proposals.filters.ProposalFilter"  # the developer and the pitch window
    list_related = ("owner",)
    record_related = ("owner", "decided_by")
    sign_off_steps = {
        State.CONSULTING: SignOffStep(
            roles=("strategy", "creative"),
            label=_("Opinions of the strategy and creative design departments"),
            decisions=(("agree", _("Opinion given")),),
            comment_required=True,
        )
    }

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.LEAD, protected=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("business developer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The lead (发展商 / 项目)
    developer_name = models.CharField(_("developer"), max_length=200)
    developer_contact = models.CharField(_("developer's contact"), max_length=100, blank=True)
    developer_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    project_name = models.CharField(_("project name"), max_length=200)
    plot = models.CharField(_("plot"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    pitch_deadline = models.DateField(_("developer's pitch deadline"), validators=FUTURE_DATE)
    lead_notes = models.TextField(_("lead notes"), blank=True, max_length=SECTION)
    # Phase 1 (第一阶段)
    developer_background = models.TextField(
        _("developer background"), blank=True, max_length=SECTION
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    recommendation_reason = models.TextField(
        _("reasons for the recommendation"), blank=True, max_length=SECTION
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    # Phase 2 (第二阶段)
    developer_requirements = models.TextField(
        _("developer's requirements on timing and content"), blank=True, max_length=SECTION
    )
    research_plan = models.TextField(_("research work plan"), blank=True, max_length=SECTION)
    preliminary_due = models.DateField(
        _("preliminary report due"), null=True, blank=True, validators=FUTURE_DATE
    )
    # Outcome
    contract_signed_on = models.DateField(
        _("agency contract signed on"), null=True, blank=True, validators=PAST_DATE
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("project proposal")
        verbose_name_plural = _("project proposals")

    def __str__(self) -> str:
        return f"{self.reference} {self.project_name}" if self.reference else self.project_name

    # Phase 1

    @transition(
        field=state,
        source=State.LEAD,
        target=State.ASSESSING,
        custom=step(
            label=_("Ask research to assess"),
            roles=["bd"],
            rule=OwnerOnly("owner"),
            due=WorkingDays(3),
            help_text=_("The researchers compile the developer's background and advise."),
        ),
    )
    def request_assessment(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ASSESSING,
        target=State.AWAITING_DECISION,
        custom=step(
            label=_("Recommend pitch or not"),
            roles=["researcher"],
            fields=["developer_background", "recommendation", "recommendation_reason"],
            required=["developer_background", "recommendation", "recommendation_reason"],
            attachments=True,
            due=WorkingDays(2),
        ),
    )
    def recommend(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.AWAITING_DECISION,
        target=State.PLANNING,
        custom=step(
            label=_("Decide to pitch"),
            roles=["marketing_manager"],
            style="success",
            due=WorkingDays(3),
        ),
    )
    def decide_pitch(self, *, by: Any, data: dict[str, Any]) -> None:
        self.decided_by = by

    @transition(
        field=state,
        source=State.AWAITING_DECISION,
        target=State.DECLINED,
        custom=step(
            label=_("Decide not to pitch"),
            roles=["marketing_manager"],
            comment="required",
            style="danger",
        ),
    )
    def decline(self, *, by: Any, data: dict[str, Any]) -> None:
        self.decided_by = by

    # Phase 2

    @transition(
        field=state,
        source=State.PLANNING,
        target=State.RESEARCHING,
        custom=step(
            label=_("Start research with this plan"),
            roles=["researcher"],
            fields=["developer_requirements", "research_plan", "preliminary_due"],
            required=["developer_requirements", "research_plan", "preliminary_due"],
            not_in_past=["preliminary_due"],
            form="proposals.forms.ResearchPlanForm",
            due="preliminary_due",
            effect="proposals.services.report_open_draft",
        ),
    )
    def start_research(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RESEARCHING,
        target=State.PRELIMINARY_REPORT,
        conditions=[draft_complete],
        custom=step(
            label=_("Submit preliminary report"),
            roles=["researcher"],
            due=WorkingDays(2),
            effect="proposals.services.report_submit_draft",
        ),
    )
    def submit_preliminary(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.PRELIMINARY_REPORT,
        target=State.RESEARCHING,
        custom=step(
            label=_("Return preliminary report"),
            roles=["marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(3),
            effect="proposals.services.report_open_draft",
        ),
    )
    def return_preliminary(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # Phase 3

    @transition(
        field=state,
        source=State.PRELIMINARY_REPORT,
        target=State.CONSULTING,
        custom=step(
            label=_("Ask strategy and creative for opinions"),
            roles=["marketing_manager"],
            due=WorkingDays(3),
        ),
    )
    def consult(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONSULTING,
        target=State.REVISING,
        conditions=[all_signed],
        custom=step(
            label=_("Revise into the formal report"),
            roles=["researcher"],
            due=WorkingDays(5),
            effect="proposals.services.report_open_draft",
        ),
    )
    def revise(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.REVISING,
        target=State.FORMAL_REVIEW,
        conditions=[draft_complete],
        custom=step(
            label=_("Submit formal report"),
            roles=["researcher"],
            due=WorkingDays(2),
            effect="proposals.services.report_submit_draft",
        ),
    )
    def submit_formal(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.FORMAL_REVIEW,
        target=State.REVISING,
        custom=step(
            label=_("Return formal report"),
            roles=["marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(3),
            effect="proposals.services.report_open_draft",
        ),
    )
    def return_formal(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.FORMAL_REVIEW,
        target=State.PROPOSED,
        custom=step(
            label=_("Approve formal report"),
            roles=["marketing_manager"],
            style="success",
            due="pitch_deadline",
            effect="proposals.services.report_approve",
        ),
    )
    def approve_formal(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    # Outcome

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.WON,
        custom=step(
            label=_("Won: agency contract signed"),
            roles=["bd"],
            rule=OwnerOnly("owner"),
            fields=["contract_signed_on"],
            required=["contract_signed_on"],
            attachments=True,
            style="success",
        ),
    )
    def win(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.LOST,
        custom=step(
            label=_("Lost"),
            roles=["bd"],
            rule=OwnerOnly("owner"),
            comment="required",
            style="outline-secondary",
        ),
    )
    def lose(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[
            State.LEAD,
            State.ASSESSING,
            State.PLANNING,
            State.RESEARCHING,
            State.PRELIMINARY_REPORT,
            State.CONSULTING,
            State.REVISING,
            State.FORMAL_REVIEW,
        ],
        target=State.DECLINED,
        custom=step(
            label=_("Withdraw (developer dropped it)"),
            roles=["marketing_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @property
    def subject(self) -> str:
        return f"{self.project_name} · {self.developer_name}"

    def page_context(self, user: Any) -> dict[str, Any]:
        from .services import report_may_edit  # the services import this module

        reports = list(self.reports.select_related("submitted_by", "approved_by"))
        draft = next((r for r in reversed(reports) if not r.frozen), None)
        return {
            "reports": reports,
            "draft": draft,
            "may_edit_report": draft is not None and report_may_edit(self, user),
        }

    # Reports

    def current_draft(self) -> ProposalReport | None:
        return self.reports.filter(submitted_at__isnull=True).order_by("-revision").first()

    @property
    def days_to_pitch(self) -> int:
        return (self.pitch_deadline - timezone.localdate()).days


class ProposalReport(DocumentRevision):
    """One revision of the preliminary or formal research report. A submitted
    revision is frozen; a later edit opens the next revision."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", _("Preliminary market research report")
        FORMAL = "formal", _("Formal market research report")

    record_field = "proposal"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("report"), max_length=12, choices=Kind.choices)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), on_delete=models.PROTECT, null=True, blank=True
    )
    # Site (地块, 景观, 交通, 周边设施)
    site = models.TextField(_("site and landscape"), blank=True, max_length=SECTION)
    traffic = models.TextField(
        _("traffic: bus lines and main roads"), blank=True, max_length=SECTION
    )
    facilities = models.TextField(_("surrounding facilities"), blank=True, max_length=SECTION)
    # Regional market (宏观、微观区域市场: 建设量, 销售量, 留存量)
    market = models.TextField(_("macro and micro regional market"), blank=True, max_length=SECTION)
    supply_area = models.DecimalField(
        _("construction volume (10,000 m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MARKET_AREA)],
    )
    sales_area = models.DecimalField(
        _("sales volume (10,000 m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MARKET_AREA)],
    )
    stock_area = models.DecimalField(
        _("unsold stock (10,000 m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MARKET_AREA)],
    )
    policy = models.TextField(_("policy and regulation"), blank=True, max_length=SECTION)
    consumers = models.TextField(
        _("consumers: area, age, income, attitudes"), blank=True, max_length=SECTION
    )
    strengths = models.TextField(_("strengths"), blank=True, max_length=SECTION)
    weaknesses = models.TextField(_("weaknesses"), blank=True, max_length=SECTION)
    opportunities = models.TextField(_("opportunities"), blank=True, max_length=SECTION)
    threats = models.TextField(_("threats"), blank=True, max_length=SECTION)
    recommendations = models.TextField(
        _(
            "recommendations: price, layouts and sizes, materials, clubhouse, "
            "smart home, property management"
        ),
        blank=True,
        max_length=SECTION,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Counts the saves of the draft: the edit page posts the one it showed, and a
    # save from a page older than the last save is refused (two tabs, two people).
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # Sections a report must have before it is submitted.
    REQUIRED = (
        "site",
        "traffic",
        "market",
        "consumers",
        "strengths",
        "weaknesses",
        "opportunities",
        "threats",
        "recommendations",
    )
    COPIED = (
        "site",
        "traffic",
        "facilities",
        "market",
        "supply_area",
        "sales_area",
        "stock_area",
        "policy",
        "consumers",
        "strengths",
        "weaknesses",
        "opportunities",
        "threats",
        "recommendations",
    )

    class Meta:
        verbose_name = _("research report")
        verbose_name_plural = _("research reports")
        ordering = ["proposal", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "revision"], name="unique_report_revision")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · " + str(_("revision %(n)s") % {"n": self.revision})

    def missing_sections(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED
            if not getattr(self, name).strip()
        ]


class ComparableProject(models.Model):
    """A comparable development (相关个案) in a report: one row of its table."""

    report = models.ForeignKey(ProposalReport, on_delete=models.CASCADE, related_name="comparables")
    name = models.CharField(_("development"), max_length=100)
    price = models.DecimalField(
        _("average price (yuan/m²)"),
        max_digits=10,
        decimal_places=0,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE)],
    )
    layouts = models.CharField(_("layouts"), max_length=100, blank=True)
    area = models.DecimalField(
        _("unit size (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_UNIT_AREA)],
    )
    product_form = models.CharField(_("product type"), max_length=100, blank=True)
    environment = models.CharField(_("community environment"), max_length=200, blank=True)
    selling_points = models.CharField(_("selling points"), max_length=200, blank=True)
    sales_status = models.CharField(_("sales"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("comparable project")
        verbose_name_plural = _("comparable projects")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
