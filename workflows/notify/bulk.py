"""Many rows in one statement, each at most once.

``insert_new`` writes ``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING
RETURNING ...``: a row whose unique key is already taken is skipped, and
only the rows written come back. On PostgreSQL a row whose key another
transaction is writing at that moment waits for that transaction: skipped if
it commits, written if it rolls back. So the unique keys decide who sends a
reminder, even between two scans at once, and a whole chunk of reminders
costs one statement instead of one each.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows it
wrote, and on SQLite it splits the rows at 999 parameters (the limit of old
SQLite builds). Both databases of the project take RETURNING after ON
CONFLICT (SQLite since 3.35; Debian 12 has 3.40).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

# PostgreSQL's protocol counts a statement's parameters in 16 bits.
POSTGRES_MAX_PARAMS = 65535


def max_params() -> int:
    """How many parameters one statement may carry on this connection."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11 cannot ask
            return connection.features.max_query_params
    return POSTGRES_MAX_PARAMS


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """``value`` as the database stores ``model.field`` (a datetime on SQLite
    is a string in UTC, for instance)."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def insert_new(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values for ``fields``, ready for the database, see
    ``db_value``) into ``model``'s table, skipping each row a unique key
    already holds; the ``returning`` fields of the rows written.

    One statement for all the rows, unless they carry more parameters than
    the database takes in one.
    """
    if not rows:
        return []
    opts = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(opts.get_field(f).column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = " ON CONFLICT DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(qn(opts.get_field(f).column) for f in returning)
    per_statement = max(1, max_params() // len(fields))
    written: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            sql = (
                f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES "
                + ", ".join([row_sql] * len(batch))
                + tail
            )
            cursor.execute(sql, [value for row in batch for value in row])
            if returning:
                written.extend(tuple(row) for row in cursor.fetchall())
    return written
