"""The quotations' kit: a factory for quotations with costed lines (and the
approved revision once leadership approved), valid data for their steps, what
their steps do, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory

from orders.models import Quotation, QuotationLine, QuotationRevision
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit
from workflows.revisions import snapshot as revision_snapshot

# States in which the quotation has an approved revision.
APPROVED_STATES = {"approved", "sent", "negotiating", "won", "lost", "expired"}


def add_line(quotation: Quotation, *, costed: bool = True, **fields: Any) -> QuotationLine:
    """A line at the end of the quotation (its amounts and the quotation's
    computed), with operations' figures unless ``costed=False``."""
    values = {
        "product": "Centrifugal pump",
        "spec": "CP-80",
        "parameters": "80 m³/h, 32 m head, 11 kW",
        "unit": "set",
        "quantity": Decimal("4"),
        "unit_price": Decimal("12500.00"),
        "tax_rate": Decimal("13"),
        "delivery_days": 30,
        **fields,
    }
    if costed:
        values.setdefault("purchase_price", Decimal("9800.00"))
        values.setdefault("lead_time_days", 21)
    line = QuotationLine(quotation=quotation, position=quotation.lines.count() + 1, **values)
    line.compute()
    line.save()
    quotation.recompute()
    return line


def approve_as_is(quotation: Quotation, user: Any) -> QuotationRevision:
    """Freeze the quotation as leadership's next approved revision."""
    last = quotation.revisions.order_by("-number").first()
    revision = QuotationRevision.objects.create(
        record=quotation,
        number=0 if last is None else last.number + 1,
        snapshot=revision_snapshot(quotation),
        created_by=user,
    )
    Quotation.objects.filter(pk=quotation.pk).update(approved_number=revision.number)
    quotation.approved_number = revision.number
    return revision


class QuotationFactory(RecordFactory):
    """An inquiry for two pumps (CNY 56,500.00 with tax), with one costed line
    unless ``lines=`` says otherwise; past leadership's approval it has its
    approved revision (the original)."""

    class Meta:
        model = Quotation

    kind = Quotation.Kind.INQUIRY
    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    title = factory.Sequence(lambda n: f"Pumping station {n:05d}")
    requirements = "Four pumps for the cooling circuit, stainless impellers."
    valid_until = factory.LazyFunction(lambda: in_days(30))
    payment_days = 30
    delivery_terms = "DAP Guangzhou"

    @classmethod
    def _create(cls, model_class: type[Quotation], *args: Any, **kwargs: Any) -> Quotation:
        lines = kwargs.pop("lines", 1)
        record = super()._create(model_class, *args, **kwargs)
        for _ in range(lines):
            add_line(record)
        if record.state in APPROVED_STATES:
            approve_as_is(record, UserFactory(roles=["gm"]))
        return record


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (Quotation, "quote_decline"): lambda: {"decline_reason": "Outside our range of products."},
    (Quotation, "quote_submit"): lambda: {"valid_until": in_days(30)},
    (Quotation, "quote_lose"): lambda: {"lost_reason": "price", "competitor": "Shanghai Pumps"},
}

EFFECTS = {
    "quote_approve": lambda r, u: (
        r.approved_number is not None
        and r.revisions.filter(number=r.approved_number, created_by=u).exists()
    ),
    "quote_send": lambda r, u: r.sent_at is not None,
    "quote_win": lambda r, u: (
        r.order is not None
        and r.order.customer_id == r.customer_id
        and r.order.total == r.total
        and r.order.lines.count() == r.lines.count()
    ),
}


def prepare(record: Quotation, name: str) -> None:
    """A quotation expires once past its validity date."""
    if name == "quote_expire":
        Quotation.objects.filter(pk=record.pk).update(valid_until=in_days(-1))
        record.valid_until = in_days(-1)


def within_final_deadline(name: str, day: Any) -> dict[str, Any]:
    """The validity ends by the tender's deadline."""
    return {"valid_until": day} if name == "quote_submit" else {}


def lines_and_revisions(record: Quotation) -> tuple[Any, ...]:
    return (
        record.total,
        record.approved_number,
        record.order_id,
        tuple(record.lines.values_list("position", "quantity", "unit_price", "purchase_price")),
        record.revisions.count(),
    )


# Measured with 10 and 100 quotations: list 12-13 (the won/lost summary's two
# among them), inbox 9-10, record 17 (its lines, revisions, the approved
# revision and the major threshold among them); the margin is smaller than
# the 10 queries a per-row lookup would add.
MAX_QUERIES = {"list": 14, "inbox": 12, "record": 19}


def quotations_for_leadership(n: int, role_user: Callable[..., Any]) -> Crowd:
    """Leadership with ``n`` quotations to review, for several customers and salespeople."""
    gm = role_user("gm")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        QuotationFactory(
            state="leadership_review", customer=customers[i % 3], salesperson=sales[i % 3]
        )
        for i in range(n)
    ]
    return Crowd(gm, records, ["quote_approve", "quote_return"])


def quotation_create_data(owner: Any) -> dict[str, Any]:
    return {
        "kind": "tender",
        "customer": str(CustomerFactory().pk),
        "salesperson": str(owner.pk),
        "title": "Water works extension",
        "requirements": "Six pumps, tender documents attached.",
        "tender_deadline": in_days(20).isoformat(),
        "currency": "CNY",
    }


KITS = [
    ProcessKit(
        model=Quotation,
        factory=QuotationFactory,
        step_data=STEP_DATA,
        effects=EFFECTS,
        prepare=prepare,
        snapshot=lines_and_revisions,
        crowd=quotations_for_leadership,
        max_queries=MAX_QUERIES,
        within_final_deadline=within_final_deadline,
        list_texts=lambda r: [r.customer.name, r.title, f"{r.total:,.2f}"],
        create_data=quotation_create_data,
    ),
]
