"""The plan's budget grows beyond the form's first rows: the server reads as
many rows as the page posts (up to 40) and totals them itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from research.forms import BUDGET_EXTRA, BUDGET_ROWS, MAX_BUDGET_LINES
from research.models import BudgetLine
from tests.kits import post_data, snapshot
from tests.research.kit import PlanFactory, budget

pytestmark = pytest.mark.django_db


def submit(client, plan, lines):
    data = post_data(plan, "submit_plan", seq=plan.step_seq)
    for key in [k for k in data if k.startswith(("item_", "amount_"))]:
        del data[key]
    data.update(budget(*lines))
    url = reverse("research:researchplan_step", kwargs={"pk": plan.pk, "name": "submit_plan"})
    return client.post(url, data)


def test_a_budget_of_more_lines_than_the_first_rows_is_kept_whole(client_for):
    plan = PlanFactory()
    lines = [(f"Item {n}", f"{n}00.01") for n in range(1, 10)]

    response = submit(client_for(plan.owner), plan, lines)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.budget_lines.count() == 9
    assert plan.budget_total == Decimal("4500.09")  # 100 + ... + 900, and 9 cents


def test_a_returned_plans_form_shows_its_lines_and_empty_rows_to_add_more(advance, client_for):
    plan = PlanFactory()
    BudgetLine.objects.bulk_create(
        BudgetLine(plan=plan, position=n, item=f"Item {n}", amount=n) for n in range(1, 9)
    )

    page = client_for(plan.owner).get(plan.get_absolute_url()).content.decode()

    rows = 8 + BUDGET_EXTRA
    assert rows > BUDGET_ROWS
    assert f'name="submit_plan-item_{rows}"' in page
    assert f'name="submit_plan-item_{rows + 1}"' not in page
    assert 'value="Item 8"' in page
    assert "research/budget_rows.js" in page and 'data-label="Add a budget line"' in page


def test_more_lines_than_a_budget_may_have_are_refused(client_for):
    plan = PlanFactory()
    before = snapshot(plan)
    lines = [(f"Item {n}", "1.00") for n in range(1, MAX_BUDGET_LINES + 2)]

    response = submit(client_for(plan.owner), plan, lines)

    assert response.status_code == 400
    assert f"A budget has at most {MAX_BUDGET_LINES} lines." in response.content.decode()
    assert snapshot(plan) == before
    assert not plan.budget_lines.exists()
