"""Quotations and bids (项目报价、投标 and 商务谈判): from a customer's inquiry or
tender to a won order. Leadership decides whether to quote, operations supply
models, purchase prices and lead times per line, leadership approves every
revision before it is sent or signed (Rev A, B, … after the original, frozen
by ``workflows.revisions``), and a won quotation becomes an order.

Purchase prices and margins are seen only by the roles of ``COST_ROLES``
(``sees_costs``): the pages, printouts, exports and the admin all ask it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from orders.models.common import (
    CENT,
    MAX_PRICE,
    MAX_QUANTITY,
    Customer,
    MajorOrderThreshold,
    PaymentTerms,
    money,
)
from orders.models.order import Order
from workflows.calendar import WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import (
    CurrentStep,
    Escalated,
    Owner,
    OwnerOnly,
    Roles,
    SignOffStep,
    step,
)
from workflows.models import AdminHistory, WorkflowModel
from workflows.revisions import (
    RevisionBase,
    RevisionLines,
    diff,
    revision_label,
    revision_unique,
    snapshot,
)
from workflows.roles import MANAGER_ROLES
from workflows.validators import FUTURE_DATE

# The one rule for costs: purchase prices, lead times as costed and margins
# are seen by leadership, the marketing manager, operations and finance, and
# by nobody else, on any page, printout, export or in the admin.
COST_ROLES = ("gm", "marketing_manager", "ops", "finance")
MAX_LEAD_DAYS = 730


def sees_costs(user: Any) -> bool:
    """May ``user`` see purchase prices and margins?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names & set(COST_ROLES))


def has_lines(quotation: Quotation) -> bool:
    return quotation.lines.exists()


has_lines.message = _("The quotation has no lines.")  # type: ignore[attr-defined]


def costed(quotation: Quotation) -> bool:
    """Operations gave every line its purchase price and lead time."""
    return not quotation.lines.filter(
        models.Q(purchase_price__isnull=True) | models.Q(lead_time_days__isnull=True)
    ).exists()


costed.message = _(  # type: ignore[attr-defined]
    "Operations have not yet given every line its purchase price and lead time."
)


def unchanged_since_approval(quotation: Quotation) -> bool:
    """The quotation is what leadership approved: no deviation waits for approval."""
    approved = quotation.approved_revision()
    if approved is None:
        return False
    return not diff(approved.snapshot, snapshot(quotation), Quotation)


unchanged_since_approval.message = _(  # type: ignore[attr-defined]
    "The quotation differs from the revision leadership approved: "
    "a deviation is a new revision, approved before it is sent or signed."
)


def valid_still(quotation: Quotation) -> bool:
    return quotation.valid_until is None or quotation.valid_until >= timezone.localdate()


valid_still.message = _(  # type: ignore[attr-defined]
    "The quotation is past its validity date: revive it as a new revision."
)


def past_validity(quotation: Quotation) -> bool:
    return not valid_still(quotation)


past_validity.message = _(  # type: ignore[attr-defined]
    "The quotation is still valid."
)


class Quotation(PaymentTerms, WorkflowModel):
    """A quotation or bid (报价单 / 投标书) for a customer's inquiry or tender."""

    class State(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry received")
        PREPARING = "preparing", _("Preparing the quotation")
        LEADERSHIP_REVIEW = "leadership_review", _("Review by leadership")
        APPROVED = "approved", _("Approved, to be sent")
        SENT = "sent", _("Sent")
        NEGOTIATING = "negotiating", _("Negotiating")
        REVISING = "revising", _("New revision in preparation")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        DECLINED = "declined", _("Not quoted")
        EXPIRED = "expired", _("Expired")

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry")
        TENDER = "tender", pgettext_lazy("quotation kind", "Tender")

    class LostReason(models.TextChoices):
        PRICE = "price", _("Price")
        COMPETITOR = "competitor", _("Competitor preferred")
        SPECIFICATION = "specification", _("Specification")
        TIMING = "timing", _("Timing")
        OTHER = "other", _("Other")

    EDITABLE_STATES = frozenset({State.PREPARING, State.REVISING})
    COSTING_STATES = frozenset({State.PREPARING, State.REVISING})
    PRINTABLE_STATES = frozenset({State.APPROVED, State.SENT, State.NEGOTIATING, State.WON})
    # A revision waits for leadership's approval (compared with the approved one).
    PENDING_STATES = frozenset({State.PREPARING, State.REVISING, State.LEADERSHIP_REVIEW})

    reference_prefix = "QT"
    final_states = frozenset({State.WON, State.LOST, State.DECLINED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)
    # A salesperson reads their own quotations; the sales assistants,
    # operations, finance and the managers all of them; anyone else while a
    # step of theirs waits on one.
    read_scope = (
        Owner()
        | Roles("sales_assistant", "ops", "finance", *MANAGER_ROLES)
        | CurrentStep()
        | Escalated()
    )
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    final_deadline_field = "tender_deadline"
    subject_related = ("customer",)
    create_form = "orders.quotation_forms.QuotationCreateForm"
    search_fields = ("reference", "title", "customer__name", "customer__code", "competitor")
    list_columns = ("kind", "customer", "title", "total", "tender_deadline", "salesperson")
    list_filters = ("kind", "customer", "lost_reason")
    list_filterset = "orders.quotation_filters.QuotationFilter"
    list_related = ("customer", "salesperson")
    record_related = ("customer", "salesperson", "order")
    url_prefix = "quotations/"
    sign_off_steps = {
        State.PREPARING: SignOffStep(
            roles=("ops",),
            label=_("Operations: models, technical parameters, purchase prices and lead times"),
            decisions=(("agree", _("Figures supplied")),),
        )
    }
    # What a revision holds: every technical and commercial term the customer sees.
    revision_fields = (
        "customer",
        "title",
        "currency",
        "valid_until",
        "deposit_percent",
        "payment_days",
        "delivery_terms",
        "terms",
        "total",
    )
    revision_lines = RevisionLines(
        "lines",
        key="position",
        fields=(
            "product",
            "spec",
            "parameters",
            "unit",
            "quantity",
            "unit_price",
            "tax_rate",
            "delivery_days",
        ),
    )
    revision_model = "orders.QuotationRevision"

    history = AdminHistory()  # changes made in the admin
    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.INQUIRY, protected=True
    )
    kind = models.CharField(_("inquiry or tender"), max_length=10, choices=Kind.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="quotations",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("project"), max_length=200)
    requirements = models.TextField(_("requirements"), max_length=4000)
    tender_deadline = models.DateField(
        _("tender submission deadline"),
        null=True,
        blank=True,
        validators=FUTURE_DATE,
        help_text=_("For a tender: every step is due by this day."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Order.Currency.choices, default=Order.Currency.CNY
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True, validators=FUTURE_DATE)
    delivery_terms = models.CharField(_("delivery terms"), max_length=300, blank=True)
    terms = models.TextField(_("terms and conditions"), blank=True, max_length=4000)
    decline_reason = models.TextField(_("reason not to quote"), blank=True, max_length=2000)
    lost_reason = models.CharField(
        _("reason lost"), max_length=20, choices=LostReason.choices, blank=True
    )
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    # Computed from the lines (``recompute``); never typed.
    subtotal = models.DecimalField(
        _("amount excluding tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    tax_total = models.DecimalField(
        _("tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    total = models.DecimalField(
        _("total amount"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    approved_number = models.PositiveSmallIntegerField(
        _("approved revision"), null=True, editable=False
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, editable=False)
    order = models.OneToOneField(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="quotation",
    )

    class Meta(WorkflowModel.Meta):
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.title}"

    # Amounts

    def recompute(self) -> None:
        """Every amount from the lines, rounded half-up to the cent; saves them."""
        subtotal = tax = Decimal("0")
        for line in self.lines.all():
            line.compute()
            line.save(update_fields=["amount", "tax_amount"])
            subtotal += line.amount
            tax += line.tax_amount
        self.subtotal, self.tax_total, self.total = subtotal, tax, subtotal + tax
        type(self).objects.filter(pk=self.pk).update(
            subtotal=self.subtotal, tax_total=self.tax_total, total=self.total
        )

    @property
    def is_major(self) -> bool:
        """Above the major-order threshold of its currency (the orders' own)."""
        threshold = (
            MajorOrderThreshold.objects.filter(currency=self.currency)
            .values_list("amount", flat=True)
            .first()
        )
        return threshold is not None and self.total > threshold

    def margins(self, lines: list[QuotationLine]) -> dict[str, Any]:
        """Cost and margin in total, from lines that all have a purchase price."""
        costs = [line.cost for line in lines]
        if not lines or any(c is None for c in costs):
            return {"cost": None, "margin": None, "percent": None}
        cost = sum(costs, Decimal("0"))
        margin = self.subtotal - cost
        percent = money(margin * 100 / self.subtotal) if self.subtotal else None
        return {"cost": cost, "margin": margin, "percent": percent}

    # Revisions

    def approved_revision(self) -> QuotationRevision | None:
        if self.approved_number is None:
            return None
        return self.revisions.filter(number=self.approved_number).first()

    @property
    def revision_name(self) -> str:
        """The revision the quotation is now: the approved one, or the next
        while it is prepared or reviewed."""
        if self.approved_number is None:
            return revision_label(0)
        if self.state in self.PENDING_STATES:
            return revision_label(self.approved_number + 1)
        return revision_label(self.approved_number)

    # Pages

    def may_edit(self, user: Any) -> bool:
        """The salesperson changes the lines and terms while preparing a
        quotation or a new revision, never a frozen one."""
        return (
            self.state in self.EDITABLE_STATES
            and user.is_authenticated
            and (user.pk == self.salesperson_id or user.is_superuser)
        )

    def may_cost(self, user: Any) -> bool:
        """Operations give purchase prices and lead times while it is prepared."""
        return (
            self.state in self.COSTING_STATES
            and user.is_authenticated
            and (user.is_superuser or user.groups.filter(name="ops").exists())
        )

    def page_context(self, user: Any) -> dict[str, Any]:
        lines = list(self.lines.select_related("costed_by"))
        costs = sees_costs(user)
        context: dict[str, Any] = {
            "lines": lines,
            "sees_costs": costs,
            "totals": self.margins(lines) if costs else None,
            "is_major": self.is_major,
            "may_edit": self.may_edit(user),
            "may_cost": self.may_cost(user),
            "printable": self.state in self.PRINTABLE_STATES,
        }
        revisions = list(self.revisions.select_related("created_by"))
        context["revisions"] = revisions
        approved = next((r for r in revisions if r.number == self.approved_number), None)
        if approved is not None and self.state in self.PENDING_STATES:
            context["approved"] = approved
            context["changes"] = diff(approved.snapshot, snapshot(self), Quotation)
            context["current_name"] = self.revision_name
        return context

    # Steps

    @transition(
        field=state,
        source=State.INQUIRY,
        target=State.PREPARING,
        custom=step(
            label=_("Decide to quote or bid"),
            roles=["gm"],
            due=WorkingDays(3),
            notify=["ops"],
            style="success",
        ),
    )
    def quote_go(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.INQUIRY,
        target=State.DECLINED,
        custom=step(
            label=_("Decide not to quote"),
            roles=["gm"],
            fields=["decline_reason"],
            required=["decline_reason"],
            style="danger",
        ),
    )
    def quote_decline(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.PREPARING, State.REVISING],
        target=State.LEADERSHIP_REVIEW,
        conditions=[has_lines, costed, all_signed],
        custom=step(
            label=_("Submit to leadership for review"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["valid_until"],
            required=["valid_until"],
            not_in_past=["valid_until"],
            due=WorkingDays(2),
        ),
    )
    def quote_submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.LEADERSHIP_REVIEW,
        target=State.APPROVED,
        conditions=[valid_still],
        custom=step(
            label=_("Approve the quotation"),
            roles=["gm"],
            due=WorkingDays(1),
            effect="orders.quotation_services.quotation_approve",
            style="success",
        ),
    )
    def quote_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.LEADERSHIP_REVIEW,
        target=State.PREPARING,
        custom=step(
            label=_("Return with comments"),
            roles=["gm"],
            comment="required",
            due=WorkingDays(2),
            style="danger",
        ),
    )
    def quote_return(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.SENT,
        conditions=[unchanged_since_approval, valid_still],
        custom=step(
            label=_("Record the quotation as sent"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due="valid_until",
            attachments=True,
        ),
    )
    def quote_send(self, *, by: Any, data: dict[str, Any]) -> None:
        self.sent_at = timezone.now()

    @transition(
        field=state,
        source=[State.SENT, State.NEGOTIATING],
        target=State.NEGOTIATING,
        custom=step(
            label=_("Log a negotiation note"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            due="valid_until",
            notify=["marketing_manager"],
            effect="orders.quotation_services.quotation_negotiated",
            style="outline-secondary",
        ),
    )
    def quote_negotiate(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.SENT, State.NEGOTIATING, State.EXPIRED],
        target=State.REVISING,
        custom=step(
            label=_("Start a new revision"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            comment="required",
            due=WorkingDays(2),
            style="outline-primary",
        ),
    )
    def quote_revise(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.SENT, State.NEGOTIATING],
        target=State.WON,
        conditions=[unchanged_since_approval],
        custom=step(
            label=_("Won: sign the contract and open the order"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            notify=["marketing_manager", "gm"],
            attachments=True,
            effect="orders.quotation_services.quotation_won",
            style="success",
        ),
    )
    def quote_win(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.SENT, State.NEGOTIATING, State.EXPIRED],
        target=State.LOST,
        custom=step(
            label=_("Lost"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            fields=["lost_reason", "competitor"],
            required=["lost_reason"],
            notify=["marketing_manager"],
            style="danger",
        ),
    )
    def quote_lose(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.SENT, State.NEGOTIATING],
        target=State.EXPIRED,
        conditions=[past_validity],
        custom=step(
            label=_("Expired"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            inbox=False,
            due=WorkingDays(5),
        ),
    )
    def quote_expire(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


class QuotationLine(models.Model):
    """A line of the quotation: what sales quotes (product, model, technical
    parameters, quantity, unit price, delivery time) and what operations
    supplied (purchase price and lead time, by whom and when)."""

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), editable=False)
    product = models.CharField(_("product"), max_length=200)
    spec = models.CharField(_("model / specification"), max_length=200, blank=True)
    parameters = models.TextField(_("technical parameters"), blank=True, max_length=2000)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_PRICE)],
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    delivery_days = models.PositiveSmallIntegerField(
        _("delivery time (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAD_DAYS)],
    )
    amount = models.DecimalField(
        _("amount"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    tax_amount = models.DecimalField(
        _("tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    # Operations' figures (运营部): costs, seen only by COST_ROLES.
    purchase_price = models.DecimalField(
        _("purchase price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_PRICE)],
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("purchase lead time (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAD_DAYS)],
    )
    costed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("costed by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    costed_at = models.DateTimeField(_("costed at"), null=True, editable=False)

    COST_FIELDS = ("purchase_price", "lead_time_days", "costed_by", "costed_at")

    class Meta:
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        ordering = ["quotation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quotation", "position"], name="unique_quotation_line")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.product}"

    def compute(self) -> None:
        self.amount = money(self.quantity * self.unit_price)
        self.tax_amount = money(self.amount * self.tax_rate / 100)

    @property
    def cost(self) -> Decimal | None:
        if self.purchase_price is None:
            return None
        return money(self.quantity * self.purchase_price)

    @property
    def margin(self) -> Decimal | None:
        cost = self.cost
        return None if cost is None else self.amount - cost

    @property
    def margin_percent(self) -> Decimal | None:
        margin = self.margin
        if margin is None or not self.amount:
            return None
        return money(margin * 100 / self.amount)


class QuotationRevision(RevisionBase):
    """A quotation as leadership approved it: the original, then Rev A, B, …"""

    record = models.ForeignKey(
        Quotation,
        verbose_name=_("quotation"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )

    class Meta(RevisionBase.Meta):
        verbose_name = _("quotation revision")
        verbose_name_plural = _("quotation revisions")
        constraints = [revision_unique("orders_quotationrevision")]
