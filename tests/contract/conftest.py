"""What a contract module makes once for all its tests.

The matrix posts every step as a user of every role, logged in, and the
query bounds need crowds of up to a hundred records: made afresh for each of
thousands of cases they would cost most of the suite's time. ``module_db`` opens one
transaction around a module's tests, rolled back after its last test; what a
module-scoped fixture makes in it is there for every test of the module,
while each test still runs, and is rolled back, in a savepoint of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.contract.cases import users_once
from workflows.roles import ROLES


@pytest.fixture(scope="module")
def module_db(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def role_users(module_db: None) -> dict[str, Any]:
    """A user holding only that role, for every role, made once for the module."""
    get = users_once()
    return {role.code: get(role.code) for role in ROLES}


@pytest.fixture(scope="module")
def role_clients(role_users: dict[str, Any]) -> Callable[[str], Client]:
    """``role_clients("qa")``: a test client logged in (once for the module) as
    the module's user of the role, asking for English pages. Each call hands
    it over with only its session cookie, so nothing a request of an earlier
    test left (its messages) reaches the next."""
    clients = {}
    for code, user in role_users.items():
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        clients[code] = client

    def get(code: str) -> Client:
        client = clients[code]
        for name in list(client.cookies):
            if name != settings.SESSION_COOKIE_NAME:
                del client.cookies[name]
        return client

    return get
