"""Browser tests: Debian's chromium, driven by Playwright, against pytest-django's live_server.

Run with ``make test-e2e`` (``pytest -m e2e``). The browser is /usr/bin/chromium;
nothing is ever downloaded. Screenshots go to ``$E2E_SCREENSHOTS`` or a new
temporary folder, named at the end of the run.

Each role works in its own browser context (its own cookies), logged in once
through the login page, as people at different desks would be. Notifications
run eagerly inside the live server, so the navbar's unread badge is real.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Walk-the-sample-2026"
NAMES = {
    "sales": ("Sam", "Seller"),
    "sales_assistant": ("Alice", "Assistant"),
    "sample_room": ("Rita", "Room"),
    "qa": ("Quinn", "Inspector"),
    "warehouse": ("Walt", "Keeper"),
}

_shots_dir: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio event loop in the test's thread;
    # Django refuses ORM calls from such a thread unless told it is safe.
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_in_the_server() -> Iterator[None]:
    # No worker runs beside the live server: queued notifications run at once.
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (or run .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    global _shots_dir
    if _shots_dir is None:
        wanted = os.environ.get("E2E_SCREENSHOTS")
        if wanted:
            _shots_dir = Path(wanted)
            _shots_dir.mkdir(parents=True, exist_ok=True)
        else:
            _shots_dir = Path(tempfile.mkdtemp(prefix="e2e-screenshots-"))
    return _shots_dir


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _shots_dir is not None:
        terminalreporter.write_line(f"e2e screenshots: {_shots_dir}")


def _users(names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """For each role of ``names``, a user named after the role, in the role's
    group, with ``PASSWORD`` to type."""
    User = get_user_model()
    users = {}
    for role, (first, last) in names.items():
        user = User.objects.create_user(
            username=role,
            password=PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{role}@example.com",
        )
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


@pytest.fixture
def e2e_users(transactional_db: None) -> dict[str, Any]:
    """One user a role, in the role's group, with a password to type."""
    from workflows.registry import sync_roles

    sync_roles()  # the groups and grants, also after a flush by the test before
    return _users(NAMES)


@pytest.fixture
def person(transactional_db: None) -> Any:
    """``person("director", "Dora", "Director")``: a user without a role (a
    manager), with ``PASSWORD`` to type."""

    def make(username: str, first: str, last: str) -> Any:
        return get_user_model().objects.create_user(
            username=username, password=PASSWORD, first_name=first, last_name=last
        )

    return make


@pytest.fixture
def customer(transactional_db: None) -> Any:
    from orders.models import Customer

    return Customer.objects.create(code="E2E-01", name="Lakeside Housewares Ltd.", contact="Ms. Ho")


class Desks:
    """A logged-in page per role, opened on first use."""

    def __init__(self, browser: Browser, base_url: str, shots: Path, locale: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.shots = shots
        self.locale = locale
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        self.errors: list[str] = []

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def __call__(self, role: str) -> Page:
        if role not in self.pages:
            context = self.browser.new_context(
                base_url=self.base_url,
                locale=self.locale,
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
            )
            context.set_default_timeout(10_000)
            # Whatever the Content-Security-Policy blocked (an inline script or
            # style left somewhere), in any page of the context, popups included.
            context.on("console", lambda msg, role=role: self._csp(role, msg))
            self.contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda exc, role=role: self.errors.append(f"{role}: {exc}"))
            page.goto("/accounts/login/")
            page.fill("#id_username", role)
            page.fill("#id_password", PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(self.url("/"))
            self.pages[role] = page
        return self.pages[role]

    def _csp(self, role: str, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.errors.append(f"{role}: {message.text}")

    def shoot(self, page: Page, name: str) -> Path:
        path = self.shots / f"{self.locale}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def _desks(browser: Browser, live_server: Any, shots_dir: Path, locale: str) -> Iterator[Desks]:
    desks = Desks(browser, live_server.url, shots_dir, locale)
    yield desks
    desks.close()
    assert not desks.errors, f"JavaScript errors or CSP violations in the pages: {desks.errors}"


@pytest.fixture
def desks(
    browser: Browser, live_server: Any, shots_dir: Path, e2e_users: dict[str, Any]
) -> Iterator[Desks]:
    """``desks("qa")``: the page of the QA user, in English."""
    yield from _desks(browser, live_server, shots_dir, "en-US")


@pytest.fixture
def chinese_desks(
    browser: Browser, live_server: Any, shots_dir: Path, e2e_users: dict[str, Any]
) -> Iterator[Desks]:
    """Like ``desks`` with a browser that asks for Simplified Chinese (zh-CN)."""
    yield from _desks(browser, live_server, shots_dir, "zh-CN")


PROPOSAL_NAMES = {
    "bd": ("Bella", "Developer"),
    "researcher": ("Ray", "Researcher"),
    "marketing_manager": ("Mona", "Manager"),
    "strategy": ("Stella", "Strategist"),
    "creative": ("Cora", "Creative"),
}


@pytest.fixture
def proposal_users(e2e_users: dict[str, Any]) -> dict[str, Any]:
    """One user for each role of the project-proposal process, like ``e2e_users``."""
    return _users(PROPOSAL_NAMES)


RESEARCH_NAMES = {
    "marketing_manager": ("Mona", "Manager"),
    "product_marketing_manager": ("Pam", "Product"),
    "division_gm": ("Dan", "Division"),
    "gm": ("Gina", "General"),
    "tech_director": ("Ted", "Technical"),
    "ka_dept_manager": ("Kate", "Keyaccounts"),
    "ka_manager": ("Kim", "Account"),
}


@pytest.fixture
def research_users(e2e_users: dict[str, Any]) -> dict[str, Any]:
    """One user for each role of the market-research process, like ``e2e_users``."""
    return _users(RESEARCH_NAMES)
