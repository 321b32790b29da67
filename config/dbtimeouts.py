"""The longer statement timeout of processes that are not web requests.

``config.production`` gives every PostgreSQL connection a short statement timeout
(``DB_STATEMENT_TIMEOUT_MS``), right for a web request. A process that does longer
work calls :func:`use_long_statement_timeout` once at start: ``manage.py`` for every
management command (migrate, createsuperuser, shell, ...), and Celery's worker and
beat (``config/celery.py``). From then on each new connection of that process sets
``DB_LONG_STATEMENT_TIMEOUT_MS`` for its session. Settings without that value
(development, tests) change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.backends.signals import connection_created

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


def _set_long_timeout(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    from django.conf import settings

    timeout = getattr(settings, "DB_LONG_STATEMENT_TIMEOUT_MS", None)
    if timeout is None or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{timeout}ms"])


def use_long_statement_timeout() -> None:
    """This process's database connections get the long statement timeout."""
    connection_created.connect(_set_long_timeout, dispatch_uid="config.dbtimeouts.long")
