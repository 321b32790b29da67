"""Contract changes (合同更改单, S&M-002 5.3.3 and 5.5): the order follower
drafts a change of a confirmed order before the batches concerned have
shipped; the marketing manager reviews it; contract review runs again
(再评审) for the departments whose reviewed items changed, by
``REVIEW_DEPARTMENTS``, the others' earlier approvals carried forward; the
customer's confirmation is recorded, and the change is applied as the
order's next revision (Rev A, B, …). A refused or withdrawn change leaves the
order as it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from orders.models.common import (
    CENT,
    MAX_PRICE,
    MAX_QUANTITY,
    NOTICE_IN_PROGRESS,
    ORDER_READERS,
    Customer,
    money,
)
from orders.models.order import Order
from workflows.calendar import WorkingDays
from workflows.conditions import all_signed
from workflows.declarations import SignOffStep, step
from workflows.models import AdminHistory, WorkflowModel
from workflows.revisions import (
    FORMAT,
    RevisionBase,
    RevisionDiff,
    diff,
    nested_rows,
    revision_unique,
    snapshot,
)
from workflows.roles import role_label
from workflows.validators import FUTURE_DATE, PAST_DATE

# The departments that review each item of the order again when it changes
# (再评审): declared once, read by ``departments_for``. A line added or removed
# changes every one of its items.
REVIEW_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    # The order's terms
    "deposit_percent": ("finance",),
    "payment_days": ("finance",),
    # A line's items
    "unit_price": ("finance",),
    "tax_rate": ("finance",),
    "quantity": ("pmc",),
    "unit": ("pmc",),
    "batches": ("pmc",),  # the delivery batches and dates
    "product": ("tech", "qa"),
    "spec": ("tech", "qa"),
}
# The departments of the contract review, in its order.
REVIEW_ROLES: tuple[str, ...] = ("tech", "pmc", "qa", "finance")
# The order's states in which its contract may be changed: confirmed, and not
# everything shipped.
CHANGEABLE_STATES = frozenset(
    {
        Order.State.CONFIRMED,
        Order.State.ENGINEERING,
        Order.State.PLANNING,
        Order.State.IN_PRODUCTION,
        Order.State.WAREHOUSED,
        Order.State.SHIPPING,
    }
)
# The order's states after those in which it may be changed.
SINCE_CONFIRMED = frozenset(
    {Order.State.SHIPPED, Order.State.PAID, Order.State.CLOSED, Order.State.CANCELLED}
)
OPEN_CHANGE_STATES = ("drafted", "manager_review", "re_review", "customer")
# The departments downstream that acknowledge an applied change, each for what
# it holds of the order: PMC the production work order in progress, the
# warehouse the shipping notices not yet shipped; each only when the change
# alters an item it works from.
DOWNSTREAM_ROLES: tuple[str, ...] = ("pmc", "warehouse")
WORK_ORDER_STATES = frozenset({Order.State.PLANNING, Order.State.IN_PRODUCTION})
PRODUCTION_ITEMS = frozenset({"product", "spec", "unit", "quantity", "batches"})
SHIPPING_ITEMS = frozenset(Order.revision_lines.names)


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _batch_rows(batches: Any) -> list[list[Any]]:
    """Delivery batches (objects or (date, quantity) pairs) as a snapshot keeps them."""
    pairs = [
        (b.delivery_date, b.quantity) if hasattr(b, "delivery_date") else tuple(b) for b in batches
    ]
    return nested_rows([day.isoformat(), _json(quantity)] for day, quantity in pairs)


def proposal_snapshot(
    terms: Any, lines: Any, batches: dict[int, list[Any]] | None = None
) -> dict[str, Any]:
    """Proposed terms (an object with the order's ``revision_fields``) and
    lines (objects with its line fields), saved or not, in the layout of the
    order's snapshot (``workflows.revisions.snapshot``). A line's delivery
    batches are ``batches[position]`` or, without it, the saved line's own."""
    spec = Order.revision_lines
    rows = sorted(lines, key=lambda line: line.position)
    found = []
    for row in rows:
        data = {name: _json(getattr(row, name)) for name in (spec.key, *spec.fields)}
        if batches is not None:
            data["batches"] = _batch_rows(batches.get(row.position, ()))
        else:
            data["batches"] = _batch_rows(row.batches.all())
        found.append(data)
    return {
        "format": FORMAT,
        "fields": {name: _json(getattr(terms, name)) for name in Order.revision_fields},
        "lines": found,
    }


def changed_items(found: RevisionDiff) -> set[str]:
    """The names of the changed items of a difference: terms, and the fields
    of changed, added or removed lines."""
    names = {c.name for c in found.fields}
    for line in found.lines:
        if line.status in ("added", "removed"):
            names.update(Order.revision_lines.names)
        else:
            names.update(c.name for c in line.changes)
    return names


def departments_for(changed: set[str]) -> tuple[str, ...]:
    """The departments that review again, in the contract review's order,
    for the names of the changed items."""
    asked = {role for name in changed for role in REVIEW_DEPARTMENTS.get(name, ())}
    return tuple(r for r in REVIEW_ROLES if r in asked)


def change_differs(change: ContractChange) -> bool:
    return bool(change.difference())


change_differs.message = _(  # type: ignore[attr-defined]
    "The change changes nothing on the order."
)


def downstream_departments(order: Order, changed: set[str]) -> tuple[str, ...]:
    """The departments downstream that acknowledge a change of ``order``
    altering the items named ``changed``: PMC when a production work order is
    in progress and the change alters what is produced, the warehouse when a
    shipping notice is not yet shipped and the change alters the lines."""
    roles = []
    if order.state in WORK_ORDER_STATES and changed & PRODUCTION_ITEMS:
        roles.append("pmc")
    if changed & SHIPPING_ITEMS and order.notices.filter(state__in=NOTICE_IN_PROGRESS).exists():
        roles.append("warehouse")
    return tuple(roles)


def downstream_concerned(change: ContractChange) -> bool:
    return bool(change.downstream_roles())


downstream_concerned.message = _(  # type: ignore[attr-defined]
    "No department downstream works from what this change alters: it applies directly."
)


def nothing_downstream(change: ContractChange) -> bool:
    return not change.downstream_roles()


nothing_downstream.message = _(  # type: ignore[attr-defined]
    "Departments downstream work from what this change alters: they acknowledge it."
)


def order_changeable(change: ContractChange) -> bool:
    return change.order.state in CHANGEABLE_STATES and not change.shipping_problems()


order_changeable.message = _(  # type: ignore[attr-defined]
    "The order can no longer be changed this way: it is closed or cancelled, or "
    "the batches concerned have shipped since the change was drafted."
)


class ContractChange(WorkflowModel):
    """A change of a confirmed order's contract (合同更改单). The proposed
    terms and lines are stored here; the order changes only when the change
    is applied."""

    class State(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        MANAGER_REVIEW = "manager_review", _("Marketing manager's review")
        RE_REVIEW = "re_review", _("Contract re-review")
        CUSTOMER = "customer", _("Customer's confirmation")
        DOWNSTREAM_ACK = "downstream_ack", _("Applied; downstream acknowledging")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference_prefix = "CC"
    final_states = frozenset({State.APPLIED, State.REFUSED, State.WITHDRAWN})
    owner_field = "salesperson"
    owner_role = "sales"
    creator_roles = ("sales_assistant",)
    on_behalf_roles = ("sales_assistant",)
    read_scope = ORDER_READERS
    manager_roles = ("marketing_manager",)
    initial_due = WorkingDays(1)
    subject_related = ("customer", "order")
    search_fields = ("reference", "order__reference", "customer__name", "requested_by")
    list_columns = ("order", "customer", "requested_by")
    list_filters = ("customer",)
    list_related = ("order", "customer", "salesperson")
    record_related = ("order", "customer", "salesperson", "applied_revision")
    url_prefix = "changes/"
    sign_off_steps = {
        State.RE_REVIEW: SignOffStep(
            roles=REVIEW_ROLES,
            label=_("Contract re-review (再评审)"),
            on_refuse="change_review_refused",
            decisions=(
                ("agree", _("Approve")),
                ("conditional", _("Approve with conditions")),
                ("refuse", _("Refuse")),
            ),
        ),
        # Only the departments downstream the change concerns (``ack_roles``);
        # the last acknowledgement closes the change.
        State.DOWNSTREAM_ACK: SignOffStep(
            roles=DOWNSTREAM_ROLES,
            label=_("Acknowledgement downstream"),
            decisions=(("agree", _("Acknowledged")),),
            asked_field="ack_roles",
            on_complete="change_acknowledged",
        ),
    }

    state = FSMField(
        _("state"), max_length=40, choices=State.choices, default=State.DRAFTED, protected=True
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="changes"
    )
    # Copied from the order when the change is drafted.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.CharField(_("change requested by"), max_length=200)
    reason = models.TextField(_("reason for the change"), max_length=4000)
    # The proposed payment terms (the order's, when unchanged).
    deposit_percent = models.DecimalField(
        _("deposit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment days after invoice"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )
    total = models.DecimalField(
        _("total amount"), max_digits=15, decimal_places=2, default=0, editable=False
    )
    # The departments asked to review again, computed when the manager approves.
    review_roles = models.CharField(
        _("departments reviewing again"), max_length=100, blank=True, editable=False
    )
    # The customer's confirmation (how, when, who), with its attachment.
    customer_confirmed_by = models.CharField(
        _("confirmed by (customer)"), max_length=100, blank=True
    )
    customer_confirmed_on = models.DateField(
        _("confirmed on"), null=True, blank=True, validators=PAST_DATE
    )
    customer_confirmed_via = models.CharField(_("confirmed how"), max_length=200, blank=True)
    # The departments downstream told of the applied change, who acknowledge it.
    ack_roles = models.CharField(
        _("departments acknowledging"), max_length=100, blank=True, editable=False
    )
    applied_revision = models.ForeignKey(
        "orders.OrderRevision",
        verbose_name=_("order revision"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    history = AdminHistory()

    class Meta(WorkflowModel.Meta):
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        constraints = [
            # One open change per order: a second waits until the first is decided.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(state__in=OPEN_CHANGE_STATES),
                name="one_open_change_per_order",
            )
        ]

    def __str__(self) -> str:
        return WorkflowModel.__str__(self)

    @property
    def subject(self) -> str:
        return f"{self.order.reference} · {self.customer.name}"

    # The proposal and its difference

    def recompute(self) -> None:
        """The proposed lines' amounts and the proposed total, as the order computes them."""
        total = Decimal("0")
        for line in self.lines.all():
            line.compute()
            line.save(update_fields=["amount", "tax_amount"])
            total += line.amount + line.tax_amount
        self.total = total
        type(self).objects.filter(pk=self.pk).update(total=total)

    def difference(self) -> RevisionDiff:
        """The proposal against the order as it is now (``RevisionDiff``)."""
        return diff(snapshot(self.order), self.proposal(), Order)

    def proposal(self) -> dict[str, Any]:
        """The proposed terms and lines in the layout of the order's snapshot
        (``workflows.revisions.snapshot``), for the difference."""
        return proposal_snapshot(self, self.lines.order_by("position").prefetch_related("batches"))

    def changed_items(self) -> set[str]:
        """The names of the changed items: terms, and the fields of changed,
        added or removed lines."""
        return changed_items(self.difference())

    def asked_departments(self) -> tuple[str, ...]:
        return departments_for(self.changed_items())

    def shipping_problems(self) -> list[str]:
        """Why the proposal cannot apply to what has shipped: a line whose
        batch has shipped changed (other than its quantity), removed, or its
        quantity below what has shipped or is on a notice in progress."""
        shipped = self.order.shipped_quantities()
        noticed = self.order.shipped_quantities(noticed=True)
        current = {line.position: line for line in self.order.lines.all()}
        proposed = {line.position: line for line in self.lines.all()}
        return shipping_problems(current, proposed, shipped, noticed)

    def page_context(self, user: Any) -> dict[str, Any]:
        """The proposed lines, the departments asked again, and the difference:
        against the order as it is now while the change is open, between the
        revisions it made once applied, none once refused or withdrawn."""
        context: dict[str, Any] = {
            "proposed_lines": list(self.lines.prefetch_related("batches")),
            "asked_labels": [role_label(r) for r in self.asked],
        }
        if self.ack_roles:
            acks = {
                s.role: s
                for s in self.sign_offs.filter(state=self.State.DOWNSTREAM_ACK).select_related(
                    "user"
                )
            }
            context["acknowledgements"] = [(role_label(r), acks.get(r)) for r in self.acknowledging]
        if self.applied_revision_id:
            after = self.applied_revision
            before = (
                OrderRevision.objects.filter(record_id=self.order_id, number__lt=after.number)
                .order_by("-number")
                .first()
            )
            if before is not None:
                context.update(
                    difference=after.diff_from(before), before=before.label, after=after.label
                )
        elif not self.is_final:
            context.update(
                difference=self.difference(),
                before=_("the order now"),
                after=_("as changed"),
            )
        return context

    @property
    def asked(self) -> list[str]:
        return [r for r in self.review_roles.split(",") if r]

    @property
    def acknowledging(self) -> list[str]:
        return [r for r in self.ack_roles.split(",") if r]

    def downstream_roles(self) -> tuple[str, ...]:
        """The departments downstream the proposal concerns, before it applies
        (computed once per instance)."""
        cached = getattr(self, "_downstream", None)
        if cached is None:
            cached = downstream_departments(self.order, self.changed_items())
            self._downstream = cached
        return cached

    # Steps

    @transition(
        field=state,
        source=State.DRAFTED,
        target=State.MANAGER_REVIEW,
        conditions=[change_differs, order_changeable],
        custom=step(
            label=_("Submit to the marketing manager"),
            roles=["sales_assistant"],
            due=WorkingDays(1),
        ),
    )
    def change_submit(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.MANAGER_REVIEW,
        target=State.RE_REVIEW,
        conditions=[change_differs, order_changeable],
        custom=step(
            label=_("Approve and send for re-review"),
            roles=["marketing_manager"],
            due=WorkingDays(2),
            style="success",
            effect="orders.change_services.carry_forward",
            help_text=_(
                "Only the departments whose reviewed items changed review again; "
                "the others' earlier approvals carry forward."
            ),
        ),
    )
    def change_approve(self, *, by: Any, data: dict[str, Any]) -> None:
        self.review_roles = ",".join(self.asked_departments())

    @transition(
        field=state,
        source=State.MANAGER_REVIEW,
        target=State.REFUSED,
        custom=step(
            label=_("Refuse the change"),
            roles=["marketing_manager"],
            comment="required",
            style="danger",
            due=WorkingDays(1),
        ),
    )
    def change_refuse(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RE_REVIEW,
        target=State.REFUSED,
        custom=step(
            label=_("Refused in re-review"),
            roles=["sales_assistant"],
            comment="required",
            style="outline-secondary",
            inbox=False,
            help_text=_("A department's refusal takes this step with its reason."),
        ),
    )
    def change_review_refused(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.RE_REVIEW,
        target=State.CUSTOMER,
        conditions=[all_signed],
        custom=step(
            label=_("Ask the customer to confirm"),
            roles=["sales_assistant"],
            due=WorkingDays(3),
        ),
    )
    def change_to_customer(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CUSTOMER,
        target=State.APPLIED,
        conditions=[change_differs, order_changeable, nothing_downstream],
        custom=step(
            label=_("Record the customer's confirmation and apply"),
            roles=["sales_assistant"],
            fields=["customer_confirmed_by", "customer_confirmed_on", "customer_confirmed_via"],
            required=["customer_confirmed_by", "customer_confirmed_on", "customer_confirmed_via"],
            attachments=True,
            style="success",
            effect="orders.change_services.apply_change",
            help_text=_(
                "Who confirmed the change for the customer, when and how (attach the "
                "customer's confirmation). The order becomes its next revision."
            ),
        ),
    )
    def change_apply(self, *, by: Any, data: dict[str, Any]) -> None:
        self.ack_roles = ""

    @transition(
        field=state,
        source=State.CUSTOMER,
        target=State.DOWNSTREAM_ACK,
        conditions=[change_differs, order_changeable, downstream_concerned],
        custom=step(
            label=_("Record the customer's confirmation and apply"),
            roles=["sales_assistant"],
            fields=["customer_confirmed_by", "customer_confirmed_on", "customer_confirmed_via"],
            required=["customer_confirmed_by", "customer_confirmed_on", "customer_confirmed_via"],
            attachments=True,
            style="success",
            due=WorkingDays(1),
            effect="orders.change_services.apply_change",
            help_text=_(
                "Who confirmed the change for the customer, when and how (attach the "
                "customer's confirmation). The order becomes its next revision; the "
                "departments downstream that work from what it alters acknowledge it."
            ),
        ),
    )
    def change_apply_ack(self, *, by: Any, data: dict[str, Any]) -> None:
        self.ack_roles = ",".join(self.downstream_roles())

    @transition(
        field=state,
        source=State.DOWNSTREAM_ACK,
        target=State.APPLIED,
        conditions=[all_signed],
        custom=step(
            label=_("Acknowledged downstream"),
            roles=["sales_assistant"],
            inbox=False,
            style="outline-secondary",
            help_text=_("Taken when the last department asked acknowledges."),
        ),
    )
    def change_acknowledged(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=State.CUSTOMER,
        target=State.REFUSED,
        custom=step(
            label=_("The customer declined"),
            roles=["sales_assistant"],
            comment="required",
            style="outline-secondary",
        ),
    )
    def change_declined(self, *, by: Any, data: dict[str, Any]) -> None:
        pass

    @transition(
        field=state,
        source=[State.DRAFTED, State.MANAGER_REVIEW, State.RE_REVIEW, State.CUSTOMER],
        target=State.WITHDRAWN,
        custom=step(
            label=_("Withdraw the change"),
            roles=["sales_assistant"],
            comment="required",
            style="outline-secondary",
            inbox=False,
        ),
    )
    def change_withdraw(self, *, by: Any, data: dict[str, Any]) -> None:
        pass


def shipping_problems(
    current: dict[int, Any],
    proposed: dict[int, Any],
    shipped: dict[int, Decimal],
    noticed: dict[int, Decimal] | None = None,
) -> list[str]:
    """``current`` and ``proposed`` lines keyed by position; ``shipped`` and
    ``noticed`` (shipped or on a shipping notice in progress) by the current
    line's pk. The messages for what the change may not do."""
    problems: list[str] = []
    noticed = noticed or {}
    fields = [f for f in Order.revision_lines.fields if f != "quantity"]
    for position, line in current.items():
        done = shipped.get(line.pk, Decimal("0"))
        held = max(noticed.get(line.pk, Decimal("0")), done)
        new = proposed.get(position)
        if done and new is None:
            problems.append(
                str(_("Line %(n)s has shipped in part or in full: it cannot be removed."))
                % {"n": position}
            )
        elif held and new is None:
            problems.append(
                str(
                    _(
                        "Line %(n)s is on a shipping notice in progress: it cannot be "
                        "removed while the notice holds it."
                    )
                )
                % {"n": position}
            )
        elif new is None:
            continue
        elif done and any(getattr(new, f) != getattr(line, f) for f in fields):
            problems.append(
                str(_("Line %(n)s's batch has shipped: only its quantity may still change."))
                % {"n": position}
            )
        elif new.quantity < done:
            problems.append(
                str(_("Line %(n)s: the quantity cannot be below the %(q)s already shipped."))
                % {"n": position, "q": f"{done.normalize():f}"}
            )
        elif new.quantity < held:
            problems.append(
                str(
                    _(
                        "Line %(n)s: the quantity cannot be below the %(q)s already shipped "
                        "or on shipping notices in progress."
                    )
                )
                % {"n": position, "q": f"{held.normalize():f}"}
            )
    return problems


def below_held(
    line: Any, current: Any, shipped: dict[int, Decimal], noticed: dict[int, Decimal]
) -> bool:
    """Whether a proposed ``line``'s quantity is below what its ``current``
    order line has shipped or holds on notices in progress."""
    if current is None:
        return False
    held = max(shipped.get(current.pk, Decimal("0")), noticed.get(current.pk, Decimal("0")))
    return line.quantity < held


class ChangeLine(models.Model):
    """A line of the order as the change proposes it, keyed by the order's
    line position (a new position is a new line)."""

    change = models.ForeignKey(
        ContractChange,
        verbose_name=_("contract change"),
        on_delete=models.CASCADE,
        related_name="lines",
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
        verbose_name = _("proposed line")
        verbose_name_plural = _("proposed lines")
        ordering = ["change", "position"]
        constraints = [
            models.UniqueConstraint(fields=["change", "position"], name="unique_change_line")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.product}"

    def compute(self) -> None:
        self.amount = money(self.quantity * self.unit_price)
        self.tax_amount = money(self.amount * self.tax_rate / 100)


class ChangeBatch(models.Model):
    """A delivery batch of a proposed line (交货批次): its date and quantity."""

    line = models.ForeignKey(
        ChangeLine,
        verbose_name=_("proposed line"),
        on_delete=models.CASCADE,
        related_name="batches",
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
        ordering = ["line", "delivery_date", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_date:%Y-%m-%d} × {self.quantity}"


class OrderRevision(RevisionBase):
    """The order as approved: the original when its contract is approved (an
    order approved before that gets it at its first change), then Rev A, B, …
    at each applied change, with the lines' delivery batches."""

    record = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="revisions"
    )

    class Meta(RevisionBase.Meta):
        verbose_name = _("order revision")
        verbose_name_plural = _("order revisions")
        constraints = [revision_unique("orders_orderrevision")]


def order_change_context(order: Order, user: Any) -> dict[str, Any]:
    """What the order's page shows of its changes: the changes, its revisions
    (each with the change that made it), and whether the user may draft one.
    Before the order is confirmed it has neither, and nothing is read."""
    if order.state not in CHANGEABLE_STATES and order.state not in SINCE_CONFIRMED:
        return {}
    changes = list(order.changes.order_by("created_at", "pk"))
    made_by = {c.applied_revision_id: c for c in changes if c.applied_revision_id}
    revisions = [
        (revision, made_by.get(revision.pk))
        for revision in order.revisions.select_related("created_by").order_by("number")
    ]
    return {
        "contract_changes": changes,
        "order_revisions": revisions,
        "may_change": order.state in CHANGEABLE_STATES
        and user.has_perm("orders.add_contractchange")
        and not any(c.state in OPEN_CHANGE_STATES for c in changes),
    }
