"""P5 customer complaints (客户投诉处理), handled as an 8D: received by sales,
investigated by the quality department with production (D1 team, D2
problem, D3 containment, D4 root cause as 5-Why), corrective and preventive
actions (D5–D7), each its own task with its owner's clock, the solution
approved by someone other than its author, the customer's reply, closure
(D8) and an effectiveness check that may reopen the complaint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.calendar import WorkingDays, add_working_days, end_of
from workflows.declarations import (
    CurrentStep,
    Escalated,
    NotBy,
    Owner,
    OwnerOnly,
    Roles,
    form_fields,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.rights import read_filter
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE, PAST_DATE

# The departments that own corrective and preventive actions (the quality
# department verifies them), and those the D1 team is made of.
ACTION_ROLES = ("production", "pmc", "tech", "warehouse", "sample_room", "sales")
TEAM_ROLES = ("qa", *ACTION_ROLES)

# How far back a complaint of the same customer, product and defect category
# makes a new one a recurrence.
RECURRENCE_MONTHS = 12

# Most pieces a complaint concerns; more is a typing slip.
MAX_PIECES = 10_000_000


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


# Working days from the start of the investigation to the root cause, while
# the admin keeps no clock for a severity.
DEFAULT_CLOCKS = {Severity.CRITICAL: 2, Severity.MAJOR: 5, Severity.MINOR: 10}

# Severities for which containment (D3) is required before going further.
CONTAINED_SEVERITIES = frozenset({Severity.CRITICAL, Severity.MAJOR})


class CauseCategory(models.TextChoices):
    MAN = "man", _("Man")
    MACHINE = "machine", _("Machine")
    MATERIAL = "material", _("Material")
    METHOD = "method", _("Method")
    MEASUREMENT = "measurement", _("Measurement")
    ENVIRONMENT = "environment", _("Environment")


class DefectCategory(models.Model):
    """A kind of defect complaints are sorted by, kept in the admin."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("defect category")
        verbose_name_plural = _("defect categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SeverityClock(models.Model):
    """The working days a severity gives the investigation to find the root cause."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(
        _("working days to root cause"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("severity clock")
        verbose_name_plural = _("severity clocks")
        ordering = ["working_days"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.working_days}"


def root_cause_days(severity: str) -> int:
    kept = SeverityClock.objects.filter(severity=severity).values_list("working_days", flat=True)
    return next(iter(kept), DEFAULT_CLOCKS.get(severity, DEFAULT_CLOCKS[Severity.MINOR]))


def root_cause_due(record: Complaint) -> dt.datetime:
    """End of the working day the severity's clock gives, counted from the
    day the investigation started (or reopened)."""
    start = record.investigation_started_on or timezone.localdate()
    return end_of(add_working_days(start, root_cause_days(record.severity)))


def effectiveness_due(record: Complaint) -> dt.datetime:
    """The effectiveness check falls due a set time after closing."""
    return timezone.now() + dt.timedelta(days=settings.COMPLAINT_EFFECTIVENESS_DAYS)


def keep_due(record: WorkflowModel) -> dt.datetime | None:
    """A step that stays in its state keeps the state's deadline."""
    return record.step_due_at


def year_before(day: dt.date) -> dt.date:
    """The same day ``RECURRENCE_MONTHS`` months earlier (29 February: the 28th)."""
    years, months = divmod(day.month - 1 - RECURRENCE_MONTHS, 12)
    year, month = day.year + years, months + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def has_corrective_action(complaint: Complaint) -> bool:
    return complaint.actions.filter(
        round=complaint.round, kind=ComplaintAction.Kind.CORRECTIVE
    ).exists()


has_corrective_action.message = _(  # type: ignore[attr-defined]
    "Add at least one corrective action for this round first."
)


def actions_closed(complaint: Complaint) -> bool:
    return not complaint.actions.filter(state__in=ComplaintAction.OPEN_STATES).exists()


actions_closed.message = _(  # type: ignore[attr-defined]
    "Actions are still open: the complaint is closed once every corrective and "
    "preventive action is verified or dropped."
)


# The inbox reads it in the database: a reply waiting on open actions waits on others.
actions_closed.q = lambda model: (
    ~models.Q(  # type: ignore[attr-defined]
        models.Exists(
            ComplaintAction.objects.filter(
                complaint=models.OuterRef("pk"), state=ComplaintAction.State.OPEN
            )
        )
    )
)


COMPLAINT_READERS = (
    Owner()
    | Roles("sales_assistant", "qa", "production", *MANAGER_ROLES)
    | CurrentStep()
    | Escalated()
)


class Complaint(WorkflowModel):
    """A customer complaint (客户投诉), investigated as an 8D."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received, to acknowledge")
        INVESTIGATING = "investigating", _("Investigating (D1–D3)")
        ROOT_CAUSE = "root_cause", _("Root cause (D4)")
        ACTIONS = "actions", _("Actions (D5–D7)")
        SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
        APPROVED = "approved", _("Solution approved, to reply")
        CLOSED = "closed", _("Closed, effectiveness check due")
        EFFECTIVE = "effective", _("Closed, effective")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        REPORT = "report", _("Written report")

    class Remedy(models.TextChoices):
        REPLACEMENT = "replacement", _("Replacement")
        REWORK = "rework", _("Rework or sorting")
        CREDIT = "credit", _("Refund or credit note")
        REPORT = "report", _("Corrective action report only")
        OTHER = "other", _("Other")

    reference_prefix = "CC"
    subject_related = ("customer",)
    final_states = frozenset({State.EFFECTIVE, State.WITHDRAWN})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)
    read_scope = COMPLAINT_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)  # acknowledged within a working day
    # Who signs the report: the salesperson, the quality department that led
    # the 8D and approved the solution, production that carried it out.
    print_signatures = ("sales", "qa", "production")
    create_form = form_fields(
        [
            "customer",
            "salesperson",
            "received_on",
            "channel",
            "order",
            "shipping_notice",
            "sample",
            "product_name",
            "product_code",
            "description",
            "remedy",
            "remedy_details",
            "severity",
            "category",
        ],
        limit_choices_to={"customer": {"active": True}, "category": {"active": True}},
    )
    search_fields = (
        "reference",
        "customer__name",
        "product_name",
        "product_code",
        "description",
    )
    list_columns = ("customer", "product_name", "severity", "category", "round", "is_recurrence")
    list_filters = ("severity", "customer", "category")
    list_filterset = "complaints.filters.ComplaintFilter"
    list_related = ("customer", "category", "salesperson")
    record_related = (
        "customer",
        "category",
        "salesperson",
        "order",
        "shipping_notice",
        "sample",
        "solution_by",
        "approved_by",
        "recurrence_of",
    )

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.RECEIVED, protected=True
    )
    # Received (sales)
    customer = models.ForeignKey(
        "orders.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("date received"), validators=PAST_DATE)
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    shipping_notice = models.ForeignKey(
        "orders.ShippingNotice",
        verbose_name=_("shipment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    sample = models.ForeignKey(
        "samples.SampleOrder",
        verbose_name=_("sample"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    product_name = models.CharField(_("product"), max_length=200)
    product_code = models.CharField(_("style / model number"), max_length=60, blank=True)
    description = models.TextField(_("what happened"), max_length=4000)
    remedy = models.CharField(_("remedy sought"), max_length=12, choices=Remedy.choices)
    remedy_details = models.TextField(_("remedy details"), blank=True, max_length=2000)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=Severity.choices,
        help_text=_(
            "Critical: safety, legal, or the customer's line stopped. "
            "Major: the product cannot be used as intended, or a whole lot is affected. "
            "Minor: cosmetic or a few pieces, still usable."
        ),
    )
    category = models.ForeignKey(
        DefectCategory,
        verbose_name=_("defect category"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    is_recurrence = models.BooleanField(_("recurrence"), default=False, editable=False)
    recurrence_of = models.ForeignKey(
        "self",
        verbose_name=_("recurrence of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="recurrences",
    )
    round = models.PositiveIntegerField(_("round"), default=1, editable=False)
    # Acknowledgement
    acknowledgement = models.TextField(
        _("acknowledgement to the customer"), blank=True, max_length=2000
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, editable=False)
    investigation_started_on = models.DateField(
        _("investigation started on"), null=True, editable=False
    )
    # D1 team, D2 problem, D3 containment
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("D1 team"),
        blank=True,
        related_name="complaint_teams",
    )
    problem_what = models.TextField(_("D2 what"), blank=True, max_length=2000)
    problem_where = models.CharField(_("D2 where"), blank=True, max_length=200)
    problem_when = models.CharField(_("D2 when"), blank=True, max_length=200)
    problem_how_many = models.PositiveIntegerField(
        _("D2 how many pieces"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PIECES)],
    )
    containment = models.TextField(_("D3 containment"), blank=True, max_length=2000)
    containment_owner = models.CharField(
        _("D3 containment owner"),
        blank=True,
        max_length=100,
        help_text=_(
            "Who quarantines or sorts the stock (here, at the warehouse or the customer's)."
        ),
    )
    containment_done_on = models.DateField(
        _("D3 containment done on"), null=True, blank=True, validators=PAST_DATE
    )
    # D4 root cause: 5-Why for the occurrence and for the escape
    occurrence_why1 = models.CharField(_("occurrence: why 1"), blank=True, max_length=300)
    occurrence_why2 = models.CharField(_("occurrence: why 2"), blank=True, max_length=300)
    occurrence_why3 = models.CharField(_("occurrence: why 3"), blank=True, max_length=300)
    occurrence_why4 = models.CharField(_("occurrence: why 4"), blank=True, max_length=300)
    occurrence_why5 = models.CharField(_("occurrence: why 5"), blank=True, max_length=300)
    occurrence_category = models.CharField(
        _("occurrence cause category"), max_length=12, choices=CauseCategory.choices, blank=True
    )
    escape_why1 = models.CharField(_("escape: why 1"), blank=True, max_length=300)
    escape_why2 = models.CharField(_("escape: why 2"), blank=True, max_length=300)
    escape_why3 = models.CharField(_("escape: why 3"), blank=True, max_length=300)
    escape_why4 = models.CharField(_("escape: why 4"), blank=True, max_length=300)
    escape_why5 = models.CharField(_("escape: why 5"), blank=True, max_length=300)
    escape_category = models.CharField(
        _("escape cause category"), max_length=12, choices=CauseCategory.choices, blank=True
    )
    # Solution
    solution = models.TextField(_("solution"), blank=True, max_length=4000)
    solution_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("solution approved at"), null=True, editable=False)
    # Customer reply (sales)
    reply = models.TextField(_("what the customer was told"), blank=True, max_length=4000)
    reply_on = models.DateField(_("replied on"), null=True, blank=True, validators=PAST_DATE)
    reply_channel = models.CharField(
        _("replied by"), max_length=10, choices=Channel.choices, blank=True
    )
    # D8 closure and the effectiveness check
    closed_at = models.DateTimeField(_("closed at"), null=True, editable=False)
    effectiveness = models.TextField(_("effectiveness check"), blank=True, max_length=2000)

    class Meta(WorkflowModel.Meta):
        verbose_name = _("customer complaint")
        verbose_name_plural = _("customer complaints")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.product_name} · {self.customer.name}"

    def clean(self) -> None:
        """The order, shipment and sample named are the customer's."""
        super().clean()
        errors = {}
        for name in ("order", "shipping_notice", "sample"):
            linked = getattr(self, name)
            if linked is not None and self.customer_id and linked.customer_id != self.customer_id:
                errors[name] = ValidationError(
                    _("This is another customer's %(what)s.") % {"what": linked._meta.verbose_name},
                    code="other_customer",
                )
        if errors:
            raise ValidationError(errors)

    # Recurrence

    def earlier_like(self) -> models.QuerySet[Complaint]:
        """Complaints of the same customer, product and defect category received
        in the 12 months up to this one's day (the same day a year before counts)."""
        product = models.Q(product_name__iexact=self.product_name)
        if self.product_code:
            product |= models.Q(product_code__iexact=self.product_code)
        found = Complaint.objects.filter(
            product,
            customer_id=self.customer_id,
            category_id=self.category_id,
            received_on__gte=year_before(self.received_on),
            received_on__lte=self.received_on,
        ).exclude(state=self.State.WITHDRAWN)
        if self.pk:
            found = found.exclude(pk=self.pk).filter(
                models.Q(received_on__lt=self.received_on) | models.Q(pk__lt=self.pk)
            )
        return found.order_by("-received_on", "-pk")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.received_on and self.category_id and self.customer_id:
            latest = self.earlier_like().first()
            self.is_recurrence = latest is not None
            self.recurrence_of = latest
        super().save(*args, **kwargs)

    # What the record and print pages show besides its fields

    def whys(self, kind: str) -> list[str]:
        return [getattr(self, f"{kind}_why{i}") for i in range(1, 6)]

    def page_context(self, user: Any) -> dict[str, Any]:
        actions = list(
            self.actions.select_related("owner").order_by("round", "kind", "due_date", "pk")
        )
        return {
            "complaint_actions": actions,
            "action_groups": [
                (
                    _("D5/D6 corrective actions"),
                    [a for a in actions if a.kind == ComplaintAction.Kind.CORRECTIVE],
                ),
                (
                    _("D7 preventive actions"),
                    [a for a in actions if a.kind == ComplaintAction.Kind.PREVENTIVE],
                ),
            ],
            "rounds": list(self.rounds.select_related("solution_by", "approved_by")),
            "earlier": list(self.earlier_like().select_related("customer", "category")[:20]),
            # The customer returns registered for it that the reader reads.
            "returns": list(
                self.returns.filter(read_filter(user, self.returns.model)).order_by("created_at")
            ),
            "team": list(self.team.all()),
            "why_rows": self.why_rows(),
        }

    def why_rows(self) -> list[tuple[int, str, str]]:
        """The 5-Why table: (n, occurrence, escape), up to the last answered row."""
        rows = list(zip(range(1, 6), self.whys("occurrence"), self.whys("escape"), strict=True))
        while rows and not (rows[-1][1] or rows[-1][2]):
            rows.pop()
        return rows

    # Steps. They set fields on self only; the engine saves and audits.

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.INVESTIGATING,
        custom=step(
            label=_("Acknowledge to the customer"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["acknowledgement"],
            required=["acknowledgement"],
            attachments=True,
            due=root_cause_due,
            notify=["qa"],
            help_text=_(
                "Tell the customer the complaint is being handled, and attach the evidence "
                "(photos, the customer's report)."
            ),
        ),
    )
    def acknowledge(self, *, by: Any, data: dict[str, Any]) -> None:
        self.acknowledged_at = timezone.now()
        self.investigation_started_on = timezone.localdate()

    @transition(
        field=state,
        source=State.INVESTIGATING,
        target=State.ROOT_CAUSE,
        custom=step(
            label=_("Team, problem and containment (D1–D3)"),
            roles=["qa"],
            form="complaints.forms.ProblemForm",
            fields=[
                "problem_what",
                "problem_where",
                "problem_when",
                "problem_how_many",
                "containment",
                "containment_owner",
                "containment_done_on",
            ],
            required=["problem_what", "problem_where", "problem_when"],
            attachments=True,
            due=keep_due,
            effect="complaints.services.team_set",
            help_text=_(
                "Containment (stock quarantined or sorted) is required for a critical or "
                "major complaint."
            ),
        ),
    )
    def define_problem(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ROOT_CAUSE,
        target=State.ACTIONS,
        custom=step(
            label=_("Record the root cause (D4, 5-Why)"),
            roles=["qa"],
            form="complaints.forms.RootCauseForm",
            fields=[
                "occurrence_why1",
                "occurrence_why2",
                "occurrence_why3",
                "occurrence_why4",
                "occurrence_why5",
                "occurrence_category",
                "escape_why1",
                "escape_why2",
                "escape_why3",
                "escape_why4",
                "escape_why5",
                "escape_category",
            ],
            required=[
                "occurrence_why1",
                "occurrence_category",
                "escape_why1",
                "escape_category",
            ],
            due=WorkingDays(5),
            notify=["production"],
        ),
    )
    def record_root_cause(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ACTIONS,
        target=State.ACTIONS,
        custom=step(
            label=_("Add an action (D5–D7)"),
            roles=["qa", "production"],
            form="complaints.forms.ActionForm",
            due=keep_due,
            effect="complaints.services.action_add",
            style="secondary",
            help_text=_("Each action becomes a task in its owner's inbox, due on its date."),
        ),
    )
    def add_action(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.ACTIONS,
        target=State.SOLUTION_PROPOSED,
        conditions=[has_corrective_action],
        custom=step(
            label=_("Propose the solution"),
            roles=["production", "qa"],
            fields=["solution"],
            required=["solution"],
            due=WorkingDays(2),
            notify=["qa"],
        ),
    )
    def propose_solution(self, *, by: Any, data: dict[str, Any]) -> None:
        self.solution_by = by

    @transition(
        field=state,
        source=State.SOLUTION_PROPOSED,
        target=State.APPROVED,
        custom=step(
            label=_("Approve the solution"),
            roles=["qa"],
            rule=NotBy("solution_by"),
            due=WorkingDays(2),
            notify=["sales"],
            style="success",
        ),
    )
    def approve_solution(self, *, by: Any, data: dict[str, Any]) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=State.SOLUTION_PROPOSED,
        target=State.ACTIONS,
        custom=step(
            label=_("Send the solution back"),
            roles=["qa"],
            rule=NotBy("solution_by"),
            comment="required",
            due=WorkingDays(2),
            style="danger",
        ),
    )
    def return_solution(self, *, by: Any, data: dict[str, Any]) -> None:
        self.solution_by = None

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.CLOSED,
        conditions=[actions_closed],
        custom=step(
            label=_("Customer satisfied: close"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["reply", "reply_on", "reply_channel"],
            required=["reply", "reply_on", "reply_channel"],
            attachments=True,
            due=effectiveness_due,
            notify=["qa"],
            style="success",
        ),
    )
    def close(self, *, by: Any, data: dict[str, Any]) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.INVESTIGATING,
        custom=step(
            label=_("Customer not satisfied: reopen"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["reply", "reply_on", "reply_channel"],
            required=["reply", "reply_on", "reply_channel"],
            attachments=True,
            due=root_cause_due,
            notify=["qa"],
            effect="complaints.services.complaint_reopen",
            style="danger",
            help_text=_("Say what the customer does not accept: the investigation starts again."),
        ),
    )
    def reopen(self, *, by: Any, data: dict[str, Any]) -> None:
        self.investigation_started_on = timezone.localdate()

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.EFFECTIVE,
        custom=step(
            label=_("Actions effective"),
            roles=["qa"],
            fields=["effectiveness"],
            required=["effectiveness"],
            attachments=True,
            style="success",
        ),
    )
    def confirm_effective(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.INVESTIGATING,
        custom=step(
            label=_("Not effective: reopen"),
            roles=["qa"],
            fields=["effectiveness"],
            required=["effectiveness"],
            attachments=True,
            due=root_cause_due,
            notify=["sales"],
            effect="complaints.services.complaint_reopen",
            style="danger",
        ),
    )
    def not_effective(self, *, by: Any, data: dict[str, Any]) -> None:
        self.investigation_started_on = timezone.localdate()

    @transition(
        field=state,
        source=[State.RECEIVED, State.INVESTIGATING],
        target=State.WITHDRAWN,
        custom=step(
            label=_("Withdraw the complaint"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class ComplaintRound(models.Model):
    """A finished round of a complaint, as it stood when it was reopened: the
    8D as investigated, the solution, and what the customer or the
    effectiveness check said."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="rounds"
    )
    # Written by the reopening step only.
    number = models.PositiveIntegerField(_("round"), editable=False)
    problem = models.TextField(_("D2 problem"), blank=True)
    containment = models.TextField(_("D3 containment"), blank=True)
    occurrence_whys = models.JSONField(_("occurrence: 5-Why"), default=list)
    occurrence_category = models.CharField(
        _("occurrence cause category"), max_length=12, choices=CauseCategory.choices, blank=True
    )
    escape_whys = models.JSONField(_("escape: 5-Why"), default=list)
    escape_category = models.CharField(
        _("escape cause category"), max_length=12, choices=CauseCategory.choices, blank=True
    )
    solution = models.TextField(_("solution"), blank=True)
    solution_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution written by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution approved by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    reply = models.TextField(_("what the customer was told"), blank=True)
    reply_on = models.DateField(_("replied on"), null=True, editable=False)
    effectiveness = models.TextField(_("effectiveness check"), blank=True)
    reopened_because = models.TextField(_("reopened because"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), editable=False)

    class Meta:
        verbose_name = _("complaint round")
        verbose_name_plural = _("complaint rounds")
        ordering = ["complaint", "number"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "number"], name="unique_complaint_round")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} #{self.number}"

    @property
    def occurrence_chain(self) -> str:
        return " → ".join(w for w in self.occurrence_whys if w)

    @property
    def escape_chain(self) -> str:
        return " → ".join(w for w in self.escape_whys if w)


ACTION_READERS = (
    Owner()
    | Owner("complaint__salesperson")
    | Roles("qa", "production", *MANAGER_ROLES)
    | CurrentStep()
    | Escalated()
)


class ComplaintAction(WorkflowModel):
    """A corrective (D5/D6) or preventive (D7) action of a complaint: its
    own task in its owner's inbox, due on its date."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, to verify")
        VERIFIED = "verified", _("Verified")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATES = (State.OPEN, State.DONE)

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("Corrective (D5/D6)")
        PREVENTIVE = "preventive", _("Preventive (D7)")

    reference_prefix = "CA"
    subject_related = ("complaint",)
    final_states = frozenset({State.VERIFIED, State.DROPPED})
    owner_field = "owner"
    # Opened by the complaint's step "Add an action", for any owner.
    creator_roles = ("production", "qa")
    on_behalf_roles = ("production", "qa")
    read_scope = ACTION_READERS
    manager_roles = ("marketing_manager",)
    initial_due = "due_date"
    search_fields = ("reference", "complaint__reference", "action")
    list_columns = ("complaint", "kind", "action", "owner", "due_date")
    list_filters = ("kind",)
    list_related = ("complaint", "owner")
    record_related = ("complaint", "owner", "verified_by")
    url_prefix = "actions/"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.OPEN, protected=True
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("customer complaint"),
        on_delete=models.PROTECT,
        related_name="actions",
        related_query_name="complaint_actions",
    )
    round = models.PositiveIntegerField(_("round"), default=1, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.TextField(_("action"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due by"), validators=FUTURE_DATE)
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=PAST_DATE)
    evidence = models.TextField(_("evidence"), blank=True, max_length=2000)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("complaint action")
        verbose_name_plural = _("complaint actions")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.complaint.reference} · {self.action[:60]}"

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DONE,
        custom=step(
            label=_("Action done"),
            roles=list(ACTION_ROLES),
            rule=OwnerOnly("owner"),
            fields=["done_on", "evidence"],
            required=["done_on", "evidence"],
            attachments=True,
            due=WorkingDays(2),
            notify=["qa"],
            style="success",
        ),
    )
    def action_done(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.DONE,
        target=State.VERIFIED,
        custom=step(
            label=_("Verify the action"),
            roles=["qa"],
            style="success",
            help_text=_("The evidence shows the action was carried out as written."),
        ),
    )
    def action_verify(self, *, by: Any, data: dict[str, Any]) -> None:
        self.verified_by = by

    @transition(
        field=state,
        source=State.DONE,
        target=State.OPEN,
        custom=step(
            label=_("Not done as written: send back"),
            roles=["qa"],
            comment="required",
            due=WorkingDays(5),
            style="danger",
        ),
    )
    def action_send_back(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DROPPED,
        custom=step(
            label=_("Drop the action"),
            roles=["qa"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def action_drop(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


# The yearly customer satisfaction survey's models.
from .survey import *  # noqa: E402,F403
