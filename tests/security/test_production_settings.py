"""What config.production reads from the environment: the statement timeouts, the
error reports' recipients; and the longer timeout of workers and commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created

from config.dbtimeouts import use_long_statement_timeout

SHOW = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "options": db.get("OPTIONS", {}),
    "conn_max_age": db["CONN_MAX_AGE"],
    "health_checks": db["CONN_HEALTH_CHECKS"],
    "admins": settings.ADMINS,
    "long": settings.DB_LONG_STATEMENT_TIMEOUT_MS,
    "debug": settings.DEBUG,
    "production": settings.PRODUCTION,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "request_handlers": settings.LOGGING["loggers"]["django.request"]["handlers"],
}))
"""


def production(**env: str) -> dict:
    base = {
        "DJANGO_SETTINGS_MODULE": "config.production",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "marketing.example.com",
        "DATABASE_URL": "postgres://app@db.example.com:5432/marketing",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + SHOW],
        env={**clean, **base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_web_requests_get_a_five_second_statement_timeout_by_default():
    seen = production()
    assert seen["options"]["options"] == "-c statement_timeout=5000"
    assert seen["options"]["connect_timeout"] == 5
    assert seen["long"] == 600_000
    assert (seen["debug"], seen["production"]) == (False, True)
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["request_handlers"] == ["console", "mail_admins"]


def test_the_timeouts_and_the_error_reports_recipients_come_from_the_environment():
    seen = production(
        DJANGO_DB_STATEMENT_TIMEOUT="2.5",
        DJANGO_DB_LONG_STATEMENT_TIMEOUT="0",
        DJANGO_ADMINS="Ops Team <ops@example.com>,dev@example.com",
    )
    assert seen["options"]["options"] == "-c statement_timeout=2500"
    assert seen["long"] == 0
    assert seen["admins"] == [
        ["Ops Team", "ops@example.com"],
        ["dev@example.com", "dev@example.com"],
    ]


def test_connections_persist_a_minute_with_health_checks_by_default():
    seen = production()
    assert (seen["conn_max_age"], seen["health_checks"]) == (60, True)


def test_how_long_connections_persist_comes_from_the_environment():
    assert production(DJANGO_CONN_MAX_AGE="0")["conn_max_age"] == 0
    seen = production(DJANGO_CONN_MAX_AGE="300")
    assert (seen["conn_max_age"], seen["health_checks"]) == (300, True)
    # The statement timeout is set per connection, whatever its life.
    assert seen["options"]["options"] == "-c statement_timeout=5000"


def test_a_timeout_in_the_database_url_wins():
    seen = production(
        DATABASE_URL="postgres://app@db.example.com/marketing?options=-c%20statement_timeout%3D9000"
    )
    assert seen["options"]["options"] == "-c statement_timeout=9000"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL session setting")
def test_workers_and_commands_get_the_long_timeout_on_each_new_connection(settings):
    settings.DB_LONG_STATEMENT_TIMEOUT_MS = 123_000

    def show() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = show()
    use_long_statement_timeout()
    try:
        connection.close()  # a new connection of this process, as a worker makes
        assert show() == "123s"
    finally:
        connection_created.disconnect(dispatch_uid="config.dbtimeouts.long")
        connection.close()
    assert show() == before
