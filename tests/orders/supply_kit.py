"""The kit of customer-supplied drawings and products (客户来图 / 来样), listed
in ``tests/orders/kit.py``'s ``KITS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory
from django.utils import timezone

from orders.models import CustomerSupply, SuppliedItem
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit


def add_item(record: CustomerSupply, kind: str = "drawing", **fields: Any) -> SuppliedItem:
    values = {
        "number": "DWG-7731" if kind == "drawing" else "P-0042",
        "title": "Lid assembly" if kind == "drawing" else "Sample flask",
        "version": "A" if kind == "drawing" else "",
        "quantity": 2,
        "confidentiality": "confidential",
        **fields,
    }
    return SuppliedItem.objects.create(
        supply=record,
        kind=kind,
        registered_by=record.salesperson,
        registered_at=timezone.now(),
        **values,
    )


class SupplyFactory(RecordFactory):
    """A customer's drawing (DWG-7731 rev. A) and sample, neither handed over yet."""

    class Meta:
        model = CustomerSupply

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SubFactory(UserFactory, roles=["sales"])
    created_by = factory.SelfAttribute("salesperson")
    requirements = "Make the lid to the customer's drawing; match the sample's finish"
    provided = "Drawing DWG-7731 rev. A, two sample flasks"

    @classmethod
    def _create(cls, model_class: type[CustomerSupply], *args: Any, **kwargs: Any) -> Any:
        items = kwargs.pop("items", True)
        record = super()._create(model_class, *args, **kwargs)
        if items:
            add_item(record, "drawing")
            add_item(record, "product")
        return record


def _current_drawing() -> int | None:
    return (
        SuppliedItem.objects.filter(kind="drawing", superseded_by__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


SUPPLY_STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (CustomerSupply, "supply_refuse"): lambda: {"refusal_reason": "We do not make this part."},
    (CustomerSupply, "supply_sign_for"): lambda: {"signed_for_on": in_days(0)},
    (CustomerSupply, "supply_register_item"): lambda: {
        "kind": "drawing",
        "number": "DWG-8800",
        "title": "Handle",
        "version": "C",
        "quantity": 1,
        "confidentiality": "secret",
    },
    (CustomerSupply, "supply_inspect"): lambda: {
        "inspection_result": "Two samples, no damage, finish as described",
        "storage_location": "QA cabinet 3",
    },
    (CustomerSupply, "supply_new_version"): lambda: {
        "drawing": _current_drawing(),
        "version": "B",
    },
    (CustomerSupply, "supply_dispose"): lambda: {
        "disposal": "returned",
        "disposed_on": in_days(0),
        "disposal_note": "Returned by courier SF 1234, signed by the customer",
    },
}


def prepare_supply(record: CustomerSupply, name: str) -> None:
    """Putting the items in use waits for both handovers."""
    if name == "supply_in_use":
        now = timezone.now()
        record.items.filter(SuppliedItem.PENDING_DRAWING).update(
            acknowledged_by=record.salesperson, acknowledged_at=now
        )
        record.items.filter(SuppliedItem.PENDING_PRODUCT).update(
            inspected_by=record.salesperson, inspected_at=now, inspection_result="OK"
        )


def supply_snapshot(record: CustomerSupply) -> tuple[Any, ...]:
    return tuple(
        record.items.order_by("pk").values_list(
            "pk", "version", "acknowledged_at", "inspected_at", "superseded_by"
        )
    )


def supplies_for_tech(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A technical department user with ``n`` drawing handovers to acknowledge."""
    user = role_user("tech")
    customers = CustomerFactory.create_batch(3)
    sales = UserFactory.create_batch(3, roles=["sales"])
    records = [
        SupplyFactory(state="handover", customer=customers[i % 3], salesperson=sales[i % 3])
        for i in range(n)
    ]
    return Crowd(user, records, ["supply_acknowledge"])


def supply_create_data(owner: Any) -> dict[str, Any]:
    return {
        "customer": CustomerFactory().pk,
        "salesperson": owner.pk,
        "requirements": "Machine the lid to the customer's drawing",
        "provided": "Drawing DWG-9001 rev. A",
    }


# The shipping notices' bounds; the contract suite checks them at 10 and 100 records.
SUPPLY_MAX_QUERIES = {"list": 12, "inbox": 15, "record": 18}

SUPPLY_KITS = [
    ProcessKit(
        model=CustomerSupply,
        factory=SupplyFactory,
        step_data=SUPPLY_STEP_DATA,
        effects={
            "supply_register_item": lambda r, u: r.items.filter(
                number="DWG-8800", registered_by=u
            ).exists(),
            "supply_acknowledge": lambda r, u: (
                not r.items.filter(SuppliedItem.PENDING_DRAWING).exists()
            ),
            "supply_inspect": lambda r, u: r.items.filter(
                kind="product", inspected_by=u, storage_location="QA cabinet 3"
            ).exists(),
            "supply_new_version": lambda r, u: r.items.filter(
                version="B", supersedes__isnull=False
            ).exists(),
        },
        prepare=prepare_supply,
        snapshot=supply_snapshot,
        crowd=supplies_for_tech,
        max_queries=SUPPLY_MAX_QUERIES,
        list_texts=lambda r: [r.customer.name],
        create_data=supply_create_data,
    ),
]
