"""What people do at their desks in the browser, shared by the walks of every
process (tests/e2e/test_e2e_*_walk.py): a record handed to the next desk
through its inbox, a step taken in its modal, a department's sign-off.

Only the reference differs between the processes: ``RecordPages`` reads it
from the record page's heading with the process's pattern.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect


def in_days(days: int) -> str:
    """A date ``days`` from today, as a date field takes it."""
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def hand_over(page: Page, ref: str, previous_step: str) -> None:
    """The next desk finds the record in its inbox, opens it and sees the step before."""
    page.goto("/")
    inbox = page.get_by_test_id("inbox")
    expect(inbox).to_contain_text(ref)
    inbox.get_by_role("link", name=ref, exact=True).click()
    expect(page.locator("main h1")).to_contain_text(ref)
    expect(page.get_by_test_id("timeline")).to_contain_text(previous_step)


def sign(page: Page, department: str, signer: str, opinion: str | None = None) -> None:
    """The department signs the step on the record page, with ``opinion`` written
    in, if given (then the timeline shows it); the card names the signer."""
    card = page.get_by_test_id("signoffs")
    if opinion is not None:
        card.locator('[name="comment"]').fill(opinion)
    card.get_by_test_id("sign").click()
    expect(page.locator(".alert-success")).to_contain_text("sign-off was recorded")
    row = page.get_by_test_id("signoffs").locator("li", has_text=department)
    expect(row).to_contain_text(signer)
    if opinion is not None:
        expect(page.get_by_test_id("timeline")).to_contain_text(opinion)


class RecordPages:
    """The record pages of one process, whose references match ``pattern``."""

    def __init__(self, pattern: str, what: str) -> None:
        self.pattern = re.compile(pattern)
        self.what = what

    def reference(self, page: Page) -> str:
        """The reference in the record page's heading."""
        match = self.pattern.search(page.locator("main h1").inner_text())
        assert match, f"no reference in the {self.what}'s heading"
        return match.group(0)

    def take(self, page: Page, step: str, then: str, desks: Any = None, **fields: str) -> None:
        """Press the step's button, fill its modal form and confirm; the badge shows
        ``then``. With ``desks``, the filled modal is photographed first."""
        page.locator(f'[data-step="{step}"]').click()
        modal = page.locator(f"#step-{step}")
        expect(modal).to_be_visible()
        for name, value in fields.items():
            modal.locator(f'[name="{step}-{name}"]').fill(value)
        if desks is not None:
            desks.shoot(page, f"modal-{step}")
        modal.locator(f'[data-confirm="{step}"]').click()
        expect(page.get_by_test_id("state")).to_have_text(then)
        expect(page.locator(".alert-success")).to_contain_text(self.reference(page))
