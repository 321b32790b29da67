"""The order (订购合同单) and its contract review (合同评审), with its lines and
delivery batches. Every amount is computed here, on the server, from the lines
(``Order.recompute``), never taken from a form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models.common import (
    CENT,
    MAX_PRICE,
    MAX_QUANTITY,
    NOTICE_IN_PROGRESS,
    ORDER_READERS,
    Customer,
    MajorOrderThreshold,
    PaymentTerms,
    money,
)
from workflows.calendar import WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import (
    OwnerOnly,
    SignOffStep,
    step,
)
from workflows.models import AdminHistory, ReferenceCounter, WorkflowModel
from workflows.revisions import RevisionLines
from workflows.rights import may_take
from workflows.validators import FUTURE_DATE, PAST_DATE


def _model(name: str) -> Any:
    """A model of this app defined in a module that imports this one (shipping
    notices and invoices refer to orders), looked up in the app registry."""
    return apps.get_model("orders", name)


def verbal_order_confirmed(order: Order) -> bool:
    """An order taken by phone or fax has the customer's confirmation and the
    salesperson's signature (口头或电话订货记录); other orders need neither."""
    if order.channel not in Order.VERBAL_CHANNELS:
        return True
    return bool(
        order.confirmed_by and order.confirmed_on and order.confirmed_via and order.signed_at
    )


verbal_order_confirmed.message = _(  # type: ignore[attr-defined]
    "An order taken by phone or fax needs the customer's confirmation and the "
    "salesperson's signature first (“Record the customer's confirmation”)."
)


def has_lines(order: Order) -> bool:
    return order.lines.exists()


has_lines.message = _("The order has no lines.")  # type: ignore[attr-defined]


def no_notice_in_progress(order: Order) -> bool:
    """No batch of the order is drafted, under finance's review or approved
    and waiting to ship: an order is not cancelled under a shipment."""
    return not order.notices.filter(state__in=NOTICE_IN_PROGRESS).exists()


no_notice_in_progress.message = _(  # type: ignore[attr-defined]
    "A shipping notice of this order is in progress: cancel the notice first."
)


def major_order(order: Order) -> bool:
    return order.is_major


major_order.message = _("Only a major order goes to leadership.")  # type: ignore[attr-defined]


def not_major_order(order: Order) -> bool:
    return not order.is_major


not_major_order.message = _(  # type: ignore[attr-defined]
    "A major order is approved by leadership as well: send it on to the general manager."
)


def shipped_in_part(order: Order) -> bool:
    """Some of the order has shipped, not all of it."""
    shipped = order.shipped_quantities()
    return any(shipped.values()) and not order.fully_shipped(shipped)


shipped_in_part.message = _(  # type: ignore[attr-defined]
    "Nothing has shipped yet, or everything has."
)


def shipped_in_full(order: Order) -> bool:
    return order.fully_shipped()


shipped_in_full.message = _(  # type: ignore[attr-defined]
    "Not everything ordered has shipped yet."
)


def settled(order: Order) -> bool:
    """Everything shipped, invoiced in full, and every invoice paid."""
    return order.is_settled()


settled.message = _(  # type: ignore[attr-defined]
    "The order is paid when everything has shipped, been invoiced and every invoice is paid."
)


class Order(PaymentTerms, WorkflowModel):
    """A customer's order, from the order contract form (订购合同单) through
    contract review (合同评审) to production, shipping and payment."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        CHECKING = "checking", _("Being checked")
        CONTRACT_REVIEW = "contract_review", _("Contract review")
        CONTRACT_APPROVAL = "contract_approval", _("Contract approval")
        LEADERSHIP_APPROVAL = "leadership_approval", _("Approval by leadership")
        CONFIRMED = "confirmed", _("Confirmed")
        ENGINEERING = "engineering", _("Engineering analysis")
        PLANNING = "planning", _("Production planning")
        IN_PRODUCTION = "in_production", _("In production")
        WAREHOUSED = "warehoused", _("Warehoused")
        SHIPPING = "shipping", _("Shipping")
        SHIPPED = "shipped", _("Shipped")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        CONTRACT = "contract", _("Signed contract")
        FAX = "fax", _("Fax")
        PHONE = "phone", _("Phone")
        MAIL = "mail", _("Mail or email")
        QUOTATION = "quotation", _("Accepted quotation")

    class Currency(models.TextChoices):
        CNY = "CNY", _("CNY (Renminbi)")
        USD = "USD", _("USD (US dollar)")
        EUR = "EUR", _("EUR (euro)")
        HKD = "HKD", _("HKD (Hong Kong dollar)")

    VERBAL_CHANNELS = frozenset({Channel.PHONE, Channel.FAX})

    reference_prefix = "SO"
    final_states = frozenset({State.CLOSED, State.CANCELLED})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales", "sales_assistant")
    on_behalf_roles = ("sales_assistant",)  # the order follower, for any salesperson
    read_scope = ORDER_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    subject_related = ("customer",)
    create_form = "orders.forms.OrderForm"
    search_fields = (
        "reference",
        "customer_order_no",
        "internal_order_no",
        "customer__name",
        "customer__code",
    )
    list_columns = ("customer", "customer_order_no", "order_date", "total", "salesperson")
    list_filters = ("customer", "currency")
    list_filterset = "orders.filters.OrderFilter"  # the total's and the order date's ranges
    list_related = ("customer", "salesperson")
    record_related = ("customer", "salesperson", "approved_by", "leader_approved_by")
    # What a revision of the order holds (orders.OrderRevision): the terms a
    # contract change (orders.models.changes) may change.
    revision_fields = ("deposit_percent", "payment_days", "total")
    revision_lines = RevisionLines(
        "lines",
        key="position",
        fields=("product", "spec", "unit", "quantity", "unit_price", "tax_rate"),
        nested=(("batches", ("delivery_date", "quantity")),),
    )
    revision_model = "orders.OrderRevision"
    sign_off_steps = {
        State.CONTRACT_REVIEW: SignOffStep(
            roles=("tech", "pmc", "qa", "finance"),
            label=_("Contract review (合同评审)"),
            on_refuse="review_return",
            decisions=(
                ("agree", _("Approve")),
                ("conditional", _("Approve with conditions")),
                ("refuse", _("Refuse")),
            ),
        )
    }

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.RECEIVED, protected=True
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("order received by"), max_length=12, choices=Channel.choices)
    customer_order_no = models.CharField(_("customer order number"), max_length=60, blank=True)
    order_date = models.DateField(_("order date"), default=timezone.localdate, validators=PAST_DATE)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    major = models.BooleanField(
        _("major order"),
        default=False,
        help_text=_(
            "Leadership approves the contract too (also when the total is above the threshold)."
        ),
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    remarks = models.TextField(_("remarks"), blank=True, max_length=4000)
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
    # 口头或电话订货记录: the customer's confirmation of a phone or fax order.
    confirmed_by = models.CharField(_("confirmed by (customer)"), max_length=100, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True, validators=PAST_DATE)
    confirmed_via = models.CharField(_("confirmed how"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed by the salesperson at"), null=True, editable=False)
    unclear_points = models.TextField(_("unclear points"), blank=True, max_length=4000)
    # Approvals
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contract approved by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("contract approved at"), null=True, editable=False)
    leader_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by leadership"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    leader_approved_at = models.DateTimeField(
        _("approved by leadership at"), null=True, editable=False
    )
    # 内部订单
    internal_order_no = models.CharField(
        _("internal order number"), max_length=32, blank=True, editable=False
    )
    internal_order_at = models.DateTimeField(
        _("internal order issued at"), null=True, editable=False
    )
    # 工程分析 and 生产工单
    bom_notes = models.TextField(_("BOM confirmed"), blank=True, max_length=4000)
    process_notes = models.TextField(_("production process"), blank=True, max_length=4000)
    work_order_no = models.CharField(
        _("production work order number"), max_length=32, blank=True, editable=False
    )
    work_order_at = models.DateTimeField(_("work order issued at"), null=True, editable=False)
    production_plan = models.TextField(_("production plan"), blank=True, max_length=4000)
    planned_finish = models.DateField(
        _("planned finish"), null=True, blank=True, validators=FUTURE_DATE
    )
    warehoused_at = models.DateTimeField(_("warehoused at"), null=True, editable=False)
    # Shipping (出货通知单, 送货单), invoices and payments are records of their
    # own (ShippingNotice, Invoice); their steps move the order on.

    history = AdminHistory()  # changes made in the admin

    class Meta(WorkflowModel.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.customer.name} · {self.currency} {self.total:,.2f}"

    # Amounts

    def recompute(self) -> None:
        """Every amount from the lines: each line's amount and tax rounded half-up
        to the cent, the order's totals their sums. Saves the lines and the order's totals."""
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
        if self.major:
            return True
        threshold = (
            MajorOrderThreshold.objects.filter(currency=self.currency)
            .values_list("amount", flat=True)
            .first()
        )
        return threshold is not None and self.total > threshold

    # Shipping and payment, read from the notices and invoices

    def shipped_quantities(self, *, noticed: bool = False) -> dict[int, Decimal]:
        """Per line (its pk), the quantity shipped, or with ``noticed`` the
        quantity on every notice that is not cancelled (shipped or not)."""
        ShippingNotice, ShippingLine = _model("ShippingNotice"), _model("ShippingLine")
        states = (
            [s for s in ShippingNotice.State if s != ShippingNotice.State.CANCELLED]
            if noticed
            else list(ShippingNotice.SHIPPED_STATES)
        )
        rows = (
            ShippingLine.objects.filter(notice__order=self, notice__state__in=states)
            .values("order_line_id")
            .annotate(q=models.Sum("quantity"))
        )
        found = {r["order_line_id"]: r["q"] for r in rows}
        return {pk: found.get(pk, Decimal("0")) for pk in self.lines.values_list("pk", flat=True)}

    def fully_shipped(self, shipped: dict[int, Decimal] | None = None) -> bool:
        shipped = self.shipped_quantities() if shipped is None else shipped
        ordered = dict(self.lines.values_list("pk", "quantity"))
        return bool(ordered) and all(shipped.get(pk, 0) >= q for pk, q in ordered.items())

    def is_settled(self) -> bool:
        if not self.fully_shipped():
            return False
        Invoice = _model("Invoice")
        invoices = self.invoices.exclude(state=Invoice.State.CANCELLED)
        totals = invoices.aggregate(
            amount=models.Sum("amount"),
            paid=models.Sum(models.F("paid_amount") + models.F("credited_amount")),
        )
        return (
            invoices.exists()
            and not invoices.exclude(state=Invoice.State.PAID).exists()
            and totals["amount"] == self.total
            and totals["paid"] == self.total
        )

    def may_edit(self, user: Any) -> bool:
        """Whoever may take the order's next expected step may still change its
        contract form, before the review: the salesperson while it is received,
        the order follower while checking it."""
        if self.state not in EDITABLE_STATES:
            return False
        return any(may_take(self, t, user) for t in self.expected_transitions())

    def page_context(self, user: Any) -> dict[str, Any]:
        lines = list(self.lines.all())
        context = {
            "lines": lines,
            "batches": list(self.batches.select_related("line")),
            "is_major": self.is_major,
            "may_edit": self.may_edit(user),
            "may_draft_notice": self.state in SHIPPING_OPEN
            and user.has_perm("orders.add_shippingnotice"),
            "may_invoice": self.state in INVOICING_OPEN and user.has_perm("orders.add_invoice"),
        }
        from orders.models.changes import order_change_context

        context.update(order_change_context(self, user))
        if self.state in SHIPPING_SEEN:
            ShippingNotice, ShippingLine = _model("ShippingNotice"), _model("ShippingLine")
            sums = {
                r["order_line_id"]: r
                for r in ShippingLine.objects.filter(notice__order=self)
                .exclude(notice__state=ShippingNotice.State.CANCELLED)
                .values("order_line_id")
                .annotate(
                    noticed=models.Sum("quantity"),
                    shipped=models.Sum(
                        "quantity",
                        filter=models.Q(notice__state__in=ShippingNotice.SHIPPED_STATES),
                    ),
                )
            }
            zero = Decimal("0")
            context["shipping"] = [
                (
                    line,
                    sums.get(line.pk, {}).get("noticed") or zero,
                    sums.get(line.pk, {}).get("shipped") or zero,
                )
                for line in lines
            ]
            context["notices"] = list(self.notices.order_by("created_at", "pk"))
            context["invoices"] = list(self.invoices.order_by("created_at", "pk"))
            context["returns"] = list(self.returns.order_by("created_at", "pk"))
        return context

    # Steps. They set fields on self only; the engine saves and audits.

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.RECEIVED,
        custom=step(
            label=_("Record the customer's confirmation"),
            roles=["sales"],
            fields=["confirmed_by", "confirmed_on", "confirmed_via"],
            required=["confirmed_by", "confirmed_on", "confirmed_via"],
            rule=OwnerOnly("salesperson"),
            due=WorkingDays(1),
            style="secondary",
            help_text=_(
                "口头或电话订货记录: who confirmed the order for the customer, when and how. "
                "Taking this step is your signature on the order contract form."
            ),
        ),
    )
    def record_confirmation(self, *, by: Any, data: dict[str, Any]) -> None:
        self.signed_at = timezone.now()

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.CHECKING,
        conditions=[has_lines, verbal_order_confirmed],
        custom=step(
            label=_("Submit to the order follower"),
            roles=["sales"],
            rule=OwnerOnly("salesperson"),
            due=WorkingDays(1),
        ),
    )
    def submit(self, *, by: Any, data: dict[str, Any]) -> None:
        self.unclear_points = ""

    @transition(
        field=state,
        source=State.CHECKING,
        target=State.RECEIVED,
        custom=step(
            label=_("Send back to sales"),
            roles=["sales_assistant"],
            fields=["unclear_points"],
            required=["unclear_points"],
            due=WorkingDays(1),
            style="danger",
            help_text=_("List what is unclear on the order; the salesperson clarifies it."),
        ),
    )
    def send_back(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CHECKING,
        target=State.CONTRACT_REVIEW,
        conditions=[has_lines],
        custom=step(
            label=_("Submit for contract review"),
            roles=["sales_assistant"],
            due=WorkingDays(2),
            notify=["tech", "pmc", "qa", "finance"],
        ),
    )
    def submit_review(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTRACT_REVIEW,
        target=State.CHECKING,
        custom=step(
            label=_("Take back for checking"),
            roles=["sales_assistant"],
            comment="required",
            due=WorkingDays(1),
            style="outline-secondary",
            inbox=False,
            help_text=_("A department's refusal takes this step with its reason."),
        ),
    )
    def review_return(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTRACT_REVIEW,
        target=State.CONTRACT_APPROVAL,
        conditions=[all_signed],
        custom=step(
            label=_("Submit for contract approval"),
            roles=["sales_assistant"],
            due=WorkingDays(1),
        ),
    )
    def submit_approval(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTRACT_APPROVAL,
        target=State.CONFIRMED,
        conditions=[not_major_order],
        custom=step(
            label=_("Approve the contract"),
            roles=["marketing_manager"],
            due=WorkingDays(1),
            style="success",
            effect="orders.change_services.contract_approved",
        ),
    )
    def approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=State.CONTRACT_APPROVAL,
        target=State.LEADERSHIP_APPROVAL,
        conditions=[major_order],
        custom=step(
            label=_("Approve and refer to leadership"),
            roles=["marketing_manager"],
            due=WorkingDays(2),
            style="success",
        ),
    )
    def approve_refer(self, *, by: Any, data: dict[str, Any]) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=State.LEADERSHIP_APPROVAL,
        target=State.CONFIRMED,
        custom=step(
            label=_("Approve the major contract"),
            roles=["gm"],
            due=WorkingDays(1),
            style="success",
            effect="orders.change_services.contract_approved",
        ),
    )
    def leader_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.leader_approved_by = by
        self.leader_approved_at = timezone.now()

    @transition(
        field=state,
        source=State.CONFIRMED,
        target=State.ENGINEERING,
        custom=step(
            label=_("Issue the internal order"),
            roles=["sales_assistant"],
            due=WorkingDays(2),
            notify=["tech", "pmc"],
            help_text=_("Gives the internal order (内部订单) its number."),
        ),
    )
    def issue_internal_order(self, *, by: Any, data: dict[str, Any]) -> None:
        year = timezone.localdate().year
        self.internal_order_no = ReferenceCounter.next_reference("IO", year)
        self.internal_order_at = timezone.now()

    @transition(
        field=state,
        source=State.ENGINEERING,
        target=State.PLANNING,
        custom=step(
            label=_("Issue the production work order"),
            roles=["tech"],
            fields=["bom_notes", "process_notes"],
            required=["bom_notes", "process_notes"],
            due=WorkingDays(2),
            notify=["production"],
            help_text=_("工程分析: confirm the BOM and the production process; issues 生产工单."),
        ),
    )
    def issue_work_order(self, *, by: Any, data: dict[str, Any]) -> None:
        year = timezone.localdate().year
        self.work_order_no = ReferenceCounter.next_reference("WO", year)
        self.work_order_at = timezone.now()

    @transition(
        field=state,
        source=State.PLANNING,
        target=State.IN_PRODUCTION,
        custom=step(
            label=_("Approve and distribute the production plan"),
            roles=["pmc"],
            fields=["production_plan", "planned_finish"],
            required=["production_plan", "planned_finish"],
            not_in_past=["planned_finish"],
            due="planned_finish",
            notify=["production", "warehouse"],
        ),
    )
    def distribute_plan(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_PRODUCTION,
        target=State.WAREHOUSED,
        custom=step(
            label=_("Received into the warehouse"),
            roles=["warehouse"],
            due=WorkingDays(2),
            notify=["sales_assistant"],
        ),
    )
    def warehouse_in(self, *, by: Any, data: dict[str, Any]) -> None:
        self.warehoused_at = timezone.now()

    # The next three are taken by the steps of the shipping notices and the
    # invoices (``orders.services``, through ``transition_follow``): a batch
    # shipped, the last batch shipped, the last invoice paid. Their buttons
    # show only when the notices and invoices say so.

    @transition(
        field=state,
        source=State.WAREHOUSED,
        target=State.SHIPPING,
        conditions=[shipped_in_part],
        custom=step(
            label=_("A batch has shipped"),
            roles=["sales_assistant"],
            inbox=False,
            style="outline-secondary",
            help_text=_("Taken when the first batch ships."),
        ),
    )
    def batch_shipped(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.WAREHOUSED, State.SHIPPING],
        target=State.SHIPPED,
        conditions=[shipped_in_full],
        custom=step(
            label=_("Everything ordered has shipped"),
            roles=["sales_assistant"],
            inbox=False,
            style="outline-secondary",
            notify=["finance"],
            help_text=_("Taken when the last batch ships."),
        ),
    )
    def all_shipped(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.SHIPPED,
        target=State.PAID,
        conditions=[settled],
        custom=step(
            label=_("Paid in full"),
            roles=["finance"],
            inbox=False,
            style="outline-secondary",
            notify=["sales_assistant"],
            help_text=_("Taken when the last invoice is paid."),
        ),
    )
    def mark_paid(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.PAID,
        target=State.CLOSED,
        custom=step(label=_("Close the order"), roles=["sales_assistant"]),
    )
    def close(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[
            State.RECEIVED,
            State.CHECKING,
            State.CONTRACT_REVIEW,
            State.CONTRACT_APPROVAL,
            State.LEADERSHIP_APPROVAL,
            State.CONFIRMED,
            State.ENGINEERING,
            State.PLANNING,
            State.IN_PRODUCTION,
            State.WAREHOUSED,
        ],
        target=State.CANCELLED,
        conditions=[no_notice_in_progress],
        custom=step(
            label=_("Cancel the order"),
            roles=["marketing_manager"],
            comment="required",
            style="outline-secondary",
            inbox=False,
            help_text=_("Give the reason. An order that has shipped cannot be cancelled."),
        ),
    )
    def cancel(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


# The states in which the order contract form may still be changed: before
# the departments review it.
EDITABLE_STATES = frozenset({Order.State.RECEIVED, Order.State.CHECKING})
# A batch is drafted once the order is in the warehouse; it is invoiced from then on.
SHIPPING_OPEN = frozenset({Order.State.WAREHOUSED, Order.State.SHIPPING})
INVOICING_OPEN = frozenset({Order.State.WAREHOUSED, Order.State.SHIPPING, Order.State.SHIPPED})
SHIPPING_SEEN = frozenset(
    {
        Order.State.WAREHOUSED,
        Order.State.SHIPPING,
        Order.State.SHIPPED,
        Order.State.PAID,
        Order.State.CLOSED,
    }
)


class OrderLine(models.Model):
    """One line of the order contract form. ``amount`` and ``tax_amount`` are
    computed (``compute``), never typed."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), editable=False)
    product = models.CharField(_("product"), max_length=200)
    spec = models.CharField(_("model / specification"), max_length=200, blank=True)
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
    amount = models.DecimalField(
        _("amount"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    tax_amount = models.DecimalField(
        _("tax"), max_digits=15, decimal_places=2, default=0, editable=False
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="unique_order_line")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.product}"

    def compute(self) -> None:
        self.amount = money(self.quantity * self.unit_price)
        self.tax_amount = money(self.amount * self.tax_rate / 100)

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax_amount


class DeliveryBatch(models.Model):
    """A delivery date and quantity of one line (交货批次)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="batches"
    )
    line = models.ForeignKey(
        OrderLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="batches"
    )
    delivery_date = models.DateField(_("delivery date"), validators=FUTURE_DATE)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(MAX_QUANTITY)],
    )

    class Meta:
        verbose_name = _("delivery batch")
        verbose_name_plural = _("delivery batches")
        ordering = ["delivery_date", "line__position", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_date:%Y-%m-%d} {self.line_id} × {self.quantity}"
