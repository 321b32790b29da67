"""The sales plans' kit: a factory of monthly plans, valid data of their
steps, what their steps do, and a crowd for the query bounds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from research.models_plans import PromotionAction, PromotionPlan, SalesPlan, next_month
from tests.factories import CustomerFactory, RecordFactory, UserFactory, in_days
from tests.kits import Crowd, ProcessKit


def planned_month() -> Any:
    """The month being planned: next month."""
    return next_month(timezone.localdate().replace(day=1))


def months_ahead(n: int) -> Any:
    """The month ``n`` months after the one being planned."""
    month = planned_month()
    for _ in range(n):
        month = next_month(month)
    return month


class SalesPlanFactory(RecordFactory):
    """A plan of a key-account manager of its own, for a month of its own (the
    suite opens several for one owner): ``month=planned_month()`` for the one
    being planned."""

    class Meta:
        model = SalesPlan

    owner = factory.SubFactory(UserFactory, roles=["ka_manager"])
    created_by = factory.SelfAttribute("owner")
    month = factory.Sequence(lambda n: months_ahead(n % 240))


def rows(*lines: tuple[Any, str, Any, Any]) -> dict[str, Any]:
    """The plan's rows as the form posts them: (customer, product, quantity, unit price)."""
    data: dict[str, Any] = {}
    for n, (customer, product, quantity, price) in enumerate(lines, start=1):
        data.update(
            {
                f"customer_{n}": getattr(customer, "pk", customer),
                f"product_{n}": product,
                f"quantity_{n}": quantity,
                f"price_{n}": price,
            }
        )
    return data


def submit_data() -> dict[str, Any]:
    customer = CustomerFactory()
    return {
        "notes": "Two key accounts stock up before the holidays.",
        **rows(
            (customer, "Glass kettle 1.5 L", 120, "89.50"), (customer, "Rice cooker 3 L", 10, "219")
        ),
    }


STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (SalesPlan, "submit_sales_plan"): submit_data,
}

EFFECTS = {
    "submit_sales_plan": lambda r, u: (
        r.total_amount == Decimal("12930.00")
        and r.total_quantity == 130
        and list(r.lines.values_list("position", "amount"))
        == [(1, Decimal("10740.00")), (2, Decimal("2190.00"))]
    ),
}

MAX_QUERIES = {"list": 12, "inbox": 16, "record": 18}


def plans_to_approve(n: int, role_user: Callable[..., Any]) -> Crowd:
    """A product-marketing manager with ``n`` consolidated plans of ``n`` key-account managers."""
    approver = role_user("product_marketing_manager")
    records = [SalesPlanFactory(state="review") for _ in range(n)]
    return Crowd(approver, records, ["approve_sales_plan", "reject_sales_plan"])


def create_data(owner: Any) -> dict[str, Any]:
    return {"owner": owner.pk, "month": planned_month().isoformat(), "notes": ""}


KITS = [
    ProcessKit(
        model=SalesPlan,
        factory=SalesPlanFactory,
        step_data=STEP_DATA,
        effects=EFFECTS,
        snapshot=lambda r: (
            r.total_amount,
            r.total_quantity,
            tuple(r.lines.values_list("position", "customer_id", "quantity", "amount")),
        ),
        crowd=plans_to_approve,
        max_queries=MAX_QUERIES,
        list_texts=lambda r: [r.owner.get_full_name() or r.owner.username],
        create_data=create_data,
    ),
]


# --- The promotion plan ------------------------------------------------------------------


def add_actions(plan: PromotionPlan, n: int = 2, done: int = 0) -> None:
    """``n`` actions of the plan, the first ``done`` of them done already."""
    plan.actions.all().delete()
    for i in range(1, n + 1):
        PromotionAction.objects.create(
            plan=plan,
            position=i,
            what=f"Roadshow {i}",
            owner="Key-account team",
            starts=in_days(i),
            ends=in_days(i + 5),
            budget=Decimal("1000"),
            done_at=timezone.now() if i <= done else None,
        )


class PromotionPlanFactory(RecordFactory):
    """A marketing manager's promotion plan; from its execution on, with two actions open."""

    class Meta:
        model = PromotionPlan
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory, roles=["marketing_manager"])
    created_by = factory.SelfAttribute("owner")
    title = factory.Sequence(lambda n: f"Glass kettle launch {n:05d}")
    goals = "Two new key accounts stock the glass kettle."

    @factory.post_generation
    def actions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and self.state == PromotionPlan.State.EXECUTING:
            add_actions(self, extracted if extracted is not None else 2)


def actions_data(*rows_: tuple[str, str, Any, Any, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for n, (what, who, starts, ends, budget) in enumerate(rows_, start=1):
        data.update(
            {
                f"what_{n}": what,
                f"who_{n}": who,
                f"starts_{n}": starts,
                f"ends_{n}": ends,
                f"budget_{n}": budget,
            }
        )
    return data


PROMOTION_STEP_DATA: dict[tuple[type, str], Callable[[], dict[str, Any]]] = {
    (PromotionPlan, "submit_promotion"): lambda: {
        "goals": "Two new key accounts stock the glass kettle.",
        "strategy": "Roadshows with the key accounts' buyers; a launch price.",
        "schedule": "Roadshows in weeks 2 and 4.",
        **actions_data(
            ("Roadshow in Guangzhou", "Kim Account", in_days(7), in_days(8), "5000"),
            ("Launch price for key accounts", "Kate Keyaccounts", in_days(1), in_days(30), "0.50"),
        ),
    },
    (PromotionPlan, "promotion_action_done"): lambda: {
        "action": 1,
        "note": "Held; 40 buyers came.",
    },
    (PromotionPlan, "promotion_last_action_done"): lambda: {
        "action": 1,
        "note": "Held; 40 buyers came.",
    },
}


def prepare_promotion(record: PromotionPlan, name: str) -> None:
    """Marking an action done needs open actions: several for one, one for the last."""
    if name == "promotion_action_done":
        add_actions(record, 2)
    elif name == "promotion_last_action_done":
        add_actions(record, 2, done=0)
        record.actions.filter(position=2).update(done_at=timezone.now())


def promotions_to_approve(n: int, role_user: Callable[..., Any]) -> Crowd:
    gm = role_user("gm")
    owners = UserFactory.create_batch(3, roles=["marketing_manager"])
    records = [PromotionPlanFactory(state="gm_approval", owner=owners[i % 3]) for i in range(n)]
    return Crowd(gm, records, ["promotion_gm_approve", "promotion_return"])


PROMOTION_KIT = ProcessKit(
    model=PromotionPlan,
    factory=PromotionPlanFactory,
    step_data=PROMOTION_STEP_DATA,
    effects={
        "submit_promotion": lambda r, u: (
            r.budget_total == Decimal("5000.50") and r.actions.count() == 2
        ),
        "promotion_action_done": lambda r, u: r.actions.get(position=1).done_by == u,
        "promotion_last_action_done": lambda r, u: (
            r.state == "done" and not r.actions.filter(done_at__isnull=True).exists()
        ),
    },
    prepare=prepare_promotion,
    snapshot=lambda r: (
        r.budget_total,
        tuple(r.actions.values_list("position", "what", "done_at", "done_note")),
    ),
    crowd=promotions_to_approve,
    max_queries={"list": 12, "inbox": 16, "record": 18},
    list_texts=lambda r: [r.title],
    create_data=lambda owner: {
        "title": "Rice cooker autumn campaign",
        "research_plan": "",
        "owner": owner.pk,
        "goals": "Five key accounts list the 3 L rice cooker.",
    },
)

KITS.append(PROMOTION_KIT)
