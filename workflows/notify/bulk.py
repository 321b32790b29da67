"""Many rows in a few statements, each at most once.

``insert_new`` inserts rows with ``ON CONFLICT DO NOTHING ... RETURNING``: a
row whose unique key is already taken is skipped, and only the rows written
come back. On PostgreSQL a row whose key another transaction is writing at
that moment waits for that transaction: skipped if it commits, written if it
rolls back. So the unique keys decide who sends a reminder, even between two
scans at once, and a whole chunk of reminders costs a few statements instead
of a few each.

On PostgreSQL the rows travel by ``COPY`` into a temporary table of the
session, and one statement moves them into the table (``WITH moved AS
(DELETE ... RETURNING) INSERT ... SELECT``): COPY spares the client from
building, and the server from parsing, a statement with a parameter per
value, which made the notifications' INSERT the slowest part of a scan. On
SQLite, a call inside the process, they go as ``INSERT ... VALUES (...),
(...)``, as many rows a statement as its parameter limit allows.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows it
wrote, and on SQLite it splits the rows at 999 parameters (the limit of old
SQLite builds). Both databases take RETURNING after ON CONFLICT (SQLite since
3.35; Debian 12 has 3.40).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


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
    """Insert ``rows`` (values for ``fields``, in that order and ready for the
    database, see ``db_value``) into ``model``'s table in their order,
    skipping each row a unique key already holds; the ``returning`` fields
    of the rows written."""
    if not rows:
        return []
    opts = model._meta
    qn = connection.ops.quote_name
    columns = [qn(opts.get_field(f).column) for f in fields]
    returned = ", ".join(qn(opts.get_field(f).column) for f in returning)
    tail = " ON CONFLICT DO NOTHING" + (f" RETURNING {returned}" if returning else "")
    if connection.vendor == "postgresql":
        return _insert_by_copy(qn(opts.db_table), columns, rows, tail, bool(returning))
    return _insert_by_values(qn(opts.db_table), columns, rows, tail, bool(returning))


def _insert_by_values(
    table: str, columns: list[str], rows: Sequence[Sequence[Any]], tail: str, returning: bool
) -> list[tuple[Any, ...]]:
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, _max_params() // len(columns))
    written: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join([row_sql] * len(batch))
                + tail,
                [value for row in batch for value in row],
            )
            if returning:
                written.extend(tuple(row) for row in cursor.fetchall())
    return written


def _max_params() -> int:
    """How many parameters one SQLite statement may carry."""
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11 cannot ask
        return connection.features.max_query_params


def _insert_by_copy(
    table: str, columns: list[str], rows: Sequence[Sequence[Any]], tail: str, returning: bool
) -> list[tuple[Any, ...]]:
    # The temporary table has the columns' types and no constraints; it lives
    # as long as the connection and is empty between calls (the rows leave it
    # in the statement that inserts them, or with a rollback). It is made in
    # the transaction that uses it, so it is there whatever the connection.
    temp = connection.ops.quote_name("new_" + table.strip('"'))
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} AS "
            f"SELECT 0 AS row_number, {names} FROM {table} WITH NO DATA"
        )
        copy_rows(cursor, f"COPY {temp} (row_number, {names}) FROM STDIN", rows)
        cursor.execute(
            f"WITH moved AS (DELETE FROM {temp} RETURNING *) "
            f"INSERT INTO {table} ({names}) SELECT {names} FROM moved ORDER BY row_number" + tail
        )
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def copy_rows(cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """Send ``rows`` through ``COPY ... FROM STDIN``, each after its number."""
    with connection.wrap_database_errors, cursor.copy(statement) as copy:
        for number, row in enumerate(rows):
            copy.write_row((number, *row))
