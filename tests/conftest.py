"""Fixtures shared by every test folder.

Notifications are queued with ``transaction.on_commit``. pytest-django's
ordinary tests run inside a transaction that is rolled back, so nothing is
ever sent to a broker. Tests with ``transaction=True`` do commit: for them
``queued_tasks`` (autouse) records what would have been queued instead of
contacting a broker, unless the test asks for ``live_broker`` (the Celery
worker test). Browser tests (tests/e2e) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from tests.factories import UserFactory
from tests.kits import walker as kit_walker
from workflows.roles import ROLES
from workflows.walker import Walker


def pytest_configure(config: pytest.Config) -> None:
    # whitenoise warns once per request when collectstatic has not been run.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The deployment test (tests/deploy) runs only when asked for: ``-m deploy``
    (``make test-deploy``). Any other run leaves it out."""
    if "deploy" in (config.getoption("markexpr") or ""):
        return
    dropped = [item for item in items if item.get_closest_marker("deploy")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("deploy")]


def _is_e2e(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.get_closest_marker("e2e")) or "e2e" in request.node.path.parts


def _ensure_role_groups() -> None:
    if Group.objects.filter(name__in=[r.code for r in ROLES]).count() != len(ROLES):
        from workflows.registry import sync_roles

        sync_roles()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The role groups and their grants exist in the test database.

    workflows' post_migrate hook should make them; when it did not (see
    tests/workflows/test_engine_services.py), they are made here, once,
    outside every test's transaction.
    """
    with django_db_blocker.unblock():
        _ensure_role_groups()


@pytest.fixture(autouse=True)
def _role_groups_after_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test's database was flushed by the one before it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    if transactional and not _is_e2e(request):
        _ensure_role_groups()


@pytest.fixture
def live_broker() -> None:
    """Asked for by tests that need the configured Celery broker for real."""


@pytest.fixture(autouse=True)
def queued_tasks(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, tuple]]:
    """What the engine queued after commit, as (task name, args); no broker involved."""
    queued: list[tuple[str, tuple]] = []
    if "live_broker" in request.fixturenames or _is_e2e(request):
        return queued

    def record(task: str, *args: Any) -> bool:
        queued.append((task, args))
        return True

    monkeypatch.setattr("workflows.outbox.enqueue", record)
    return queued


@pytest.fixture
def english() -> Iterator[None]:
    """Messages are asserted in English; the project's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def role_user(db: None) -> Callable[..., Any]:
    """``role_user("qa")``: a user holding only that role (the same one for the
    whole test); ``role_user("qa", "sales")`` holds both."""
    made: dict[tuple[str, ...], Any] = {}

    def get(*roles: str) -> Any:
        key = tuple(sorted(roles))
        if key not in made:
            made[key] = UserFactory(roles=list(key))
        return made[key]

    return get


@pytest.fixture
def walker(role_user: Callable[..., Any]) -> Walker:
    """The engine's walker (``workflows.walker``) with the role users of
    ``role_user``, someone else of the role for a step a ``NotBy`` rule keeps
    from them, and each process kit's step data and preparations."""
    return kit_walker(user_for=role_user, another=lambda role, user: UserFactory(roles=[role]))


@pytest.fixture
def advance(walker: Walker) -> Walker:
    """``advance(record, "awaiting_feedback")`` walks the record there through
    ``transition_perform``; ``advance.take(record, name, {...})`` takes one step."""
    return walker


@pytest.fixture
def client_for(db: None) -> Callable[..., Client]:
    """``client_for(user)``: a logged-in test client that asks for English pages
    (``language="zh-hans"`` for Chinese); ``client_for(None)`` is anonymous."""

    def make(user: Any = None, language: str = "en") -> Client:
        client = Client(headers={"accept-language": language})
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
