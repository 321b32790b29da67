"""Pages of a large table without counting it.

Django's ``Paginator`` runs ``SELECT COUNT(*)`` over every row the query matches on
each page view, and takes page *n* with ``OFFSET``, so the database reads and joins
every row before it. ``LargeTablePaginator`` does neither:

- it counts exactly only up to ``exact_limit`` rows (a count over a ``LIMIT``-ed
  subquery); beyond that it gives PostgreSQL's planner estimate (``about N``), or,
  on a database without one, ``more than exact_limit``;
- it reads a page's primary keys first (``OFFSET`` over the ordering's index alone)
  and then fetches and joins only those rows, so page 1000 costs about what page 1
  does;
- it knows whether there is a next page from one row read past the page, not from
  the count;
- given a ``keyset`` (the fields of the list's order, all descending, the last one
  unique: ``("created_at", "pk")``), its "next" and "previous" links carry the row
  the page ends or starts with (``?page=1001&after=<cursor>``), and such a page reads
  its rows from that row on down the ordering's index: walking forward costs the same
  at page 1000 as at page 1. A list ordered otherwise (a sorted column), or one of
  ``exact_limit`` rows or fewer, keeps plain page numbers; a page number without a
  cursor (typed, bookmarked) is still read by ``OFFSET`` as above.

A small list (one page) costs one query; a longer one adds the bounded count, and one
over ``exact_limit`` rows on PostgreSQL the planner's estimate (``EXPLAIN``, no rows
read).

A cursor is the row's keyset values (a date and time as microseconds since 1970 in
UTC), joined by ``_``: ``1764930000123456_1234``. It says where a page starts, never
which rows the user may read (the queryset still decides that), so it is not signed.
A cursor that does not parse is ignored (the page by its number); one from which no
row follows any more (the rows after it were deleted) gives page 1; one that leads
back to the first row gives page 1 in full.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections, models
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

# Exact counts up to this many rows; an estimate (or "more than") beyond.
EXACT_COUNT_LIMIT = 1000

# The query parameters that say where a page is: its number and, on a keyset
# page, the row it follows or precedes. A link that changes the list (a sort, a
# filter, an export) drops them.
PAGE_PARAMS = ("page", "after", "before")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR_PART = re.compile(r"-?[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1


def without_position(query: QueryDict) -> QueryDict:
    """A copy of a list's query string without its page number and cursor."""
    query = query.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    return query


class LargeTablePage(Page):
    paginator: LargeTablePaginator

    def __init__(
        self,
        object_list: Any,
        number: int,
        paginator: LargeTablePaginator,
        has_next: bool,
        has_previous: bool | None = None,
    ) -> None:
        super().__init__(object_list, number, paginator)
        self._has_next = has_next
        self._has_previous = number > 1 if has_previous is None else has_previous

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def link(self, direction: str) -> dict[str, str]:
        """The query parameters of the ``"next"`` or ``"previous"`` page: its number
        and, when the list pages by keyset, the row it follows (``after``) or precedes
        (``before``). The link back to page 1 carries no cursor."""
        paginator = self.paginator
        rows = self.object_list
        if direction == "next":
            params = {"page": str(self.next_page_number())}
            if paginator.uses_keyset and rows:
                params["after"] = paginator.cursor_of(rows[-1])
            return params
        number = self.previous_page_number()
        params = {"page": str(number)}
        if number > 1 and paginator.uses_keyset and rows:
            params["before"] = paginator.cursor_of(rows[0])
        return params

    def next_page_number(self) -> int:
        if not self._has_next:
            raise EmptyPage(self.paginator.error_messages["no_results"])
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if len(self) else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self)


class LargeTablePaginator(Paginator):
    """A ``Paginator`` for a ``QuerySet`` that may match millions of rows.

    ``count`` is exact when ``count_exact``; otherwise it is the planner's
    estimate (``count_estimated``) or ``exact_limit + 1`` (read "more than
    ``exact_limit``"). ``num_pages`` follows from it. ``page(n)`` accepts any n ≥ 1
    and raises ``EmptyPage`` for a page past the last row.

    ``keyset`` names the fields of the queryset's order, each descending (datetime
    or integer fields, the last one unique); when the queryset is ordered by exactly
    those, ``get_page_at`` reads a page from a cursor instead of by ``OFFSET``.
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        orphans: int = 0,  # the admin passes it; pages here have no orphans
        allow_empty_first_page: bool = True,
        error_messages: dict[str, Any] | None = None,
        *,
        exact_limit: int | None = None,
        keyset: Sequence[str] | None = None,
    ) -> None:
        super().__init__(object_list, per_page, 0, True, error_messages)
        self.exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
        self._known_count: int | None = None
        self._count_kind = "exact"
        self.keyset: tuple[str, ...] | None = None
        if keyset and _ordering(object_list) == tuple(f"-{key}" for key in keyset):
            self.keyset = tuple(keyset)
            self._key_fields = [_keyset_field(object_list.model, key) for key in keyset]

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        if self._known_count is not None:
            return self._known_count
        bounded = self.object_list.order_by()[: self.exact_limit + 1].count()
        if bounded <= self.exact_limit:
            return bounded
        estimate = planner_estimate(self.object_list)
        if estimate is not None:
            self._count_kind = "estimate"
            return max(estimate, bounded)
        self._count_kind = "more_than"
        return bounded

    @property
    def count_exact(self) -> bool:
        return self.count is not None and self._count_kind == "exact"

    @property
    def count_estimated(self) -> bool:
        """``count`` is the planner's estimate: "about N"."""
        return self.count is not None and self._count_kind == "estimate"

    @property
    def count_more_than(self) -> bool:
        """The count is only known to exceed ``exact_limit``."""
        return self.count is not None and self._count_kind == "more_than"

    def validate_number(self, number: Any) -> int:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            return 1
        return max(number, 1)

    def get_page(self, number: Any) -> LargeTablePage:
        number = self.validate_number(number)
        try:
            return self.page(number)
        except EmptyPage:
            # Past the end: the last page when the count is exact, else the first.
            return self.page(self.num_pages if self.count_exact else 1)

    def page(self, number: Any) -> LargeTablePage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(page_rows(self.object_list, bottom, self.per_page + 1))
        has_next = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if not has_next and "count" not in self.__dict__:
            # The last page: the count is known without asking.
            self._known_count = bottom + len(rows)
        elif has_next and number * self.per_page > self.count:
            # An estimate below what is there: never claim fewer pages than seen.
            self.__dict__["count"] = number * self.per_page + 1
        return LargeTablePage(rows, number, self, has_next)

    @property
    def num_pages(self) -> int:  # type: ignore[override]
        if self.count == 0:
            return 1
        return math.ceil(self.count / self.per_page)

    # --- Keyset pages --------------------------------------------------------------

    @property
    def uses_keyset(self) -> bool:
        """Whether the page links carry cursors: the list is in its keyset's order
        and longer than an exact count (a shorter one pages cheaply by number)."""
        return self.keyset is not None and not self.count_exact

    def cursor_of(self, row: Any) -> str:
        """The cursor of ``row``: its keyset values, joined by ``_``."""
        assert self.keyset is not None
        parts = []
        for key, field in zip(self.keyset, self._key_fields, strict=True):
            value = getattr(row, key)
            if isinstance(field, models.DateTimeField):
                if timezone.is_naive(value):
                    value = timezone.make_aware(value, UTC)
                value = (value - EPOCH) // timedelta(microseconds=1)
            parts.append(str(int(value)))
        return "_".join(parts)

    def cursor_values(self, cursor: str) -> list[Any] | None:
        """The keyset values a cursor names, or None for one that does not parse."""
        if self.keyset is None:
            return None
        parts = cursor.split("_")
        if len(parts) != len(self.keyset):
            return None
        values: list[Any] = []
        for part, field in zip(parts, self._key_fields, strict=True):
            if not CURSOR_PART.fullmatch(part):
                return None
            number = int(part)
            if abs(number) > BIGINT_MAX:
                return None
            if isinstance(field, models.DateTimeField):
                try:
                    value: Any = EPOCH + timedelta(microseconds=number)
                except OverflowError:
                    return None
                values.append(value)
            else:
                values.append(number)
        return values

    def get_page_at(
        self, number: Any, after: str | None = None, before: str | None = None
    ) -> LargeTablePage:
        """The page a list link names: ``get_page(number)``, or, given a cursor that
        parses on a list paged by keyset, the page after (or before) its row,
        numbered ``number``."""
        cursor = after or before
        if not cursor or self.keyset is None or self.count_exact:
            return self.get_page(number)
        values = self.cursor_values(cursor[:200])
        if values is None:
            return self.get_page(number)
        number = self.validate_number(number)
        if after:
            return self._page_after(values, number)
        return self._page_before(values, number)

    def _beyond(self, values: list[Any], forward: bool) -> Q:
        """The rows past the cursor's position: after it (``forward``, down the
        descending order) or before it. For (created_at, id) forward:
        ``created_at <= c AND (created_at < c OR id < i)``, whose first term bounds
        the index scan."""
        assert self.keyset is not None
        inclusive, strict = ("lte", "lt") if forward else ("gte", "gt")
        pairs = list(zip(self.keyset, values, strict=True))
        last_key, last_value = pairs[-1]
        condition = Q(**{f"{last_key}__{strict}": last_value})
        for key, value in reversed(pairs[:-1]):
            condition = Q(**{f"{key}__{inclusive}": value}) & (
                Q(**{f"{key}__{strict}": value}) | condition
            )
        return condition

    def _seen(self, number: int, rows: int, has_next: bool) -> None:
        """Never claim fewer pages than the links have walked through."""
        seen = (number - 1) * self.per_page + rows + (1 if has_next else 0)
        if seen > self.count:
            self.__dict__["count"] = seen

    def _page_after(self, values: list[Any], number: int) -> LargeTablePage:
        qs = self.object_list.filter(self._beyond(values, forward=True))
        rows = list(qs[: self.per_page + 1])
        has_next = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not rows:
            # Nothing after the cursor any more: start again.
            return self.get_page(1)
        number = max(number, 2)
        self._seen(number, len(rows), has_next)
        return LargeTablePage(rows, number, self, has_next, has_previous=True)

    def _page_before(self, values: list[Any], number: int) -> LargeTablePage:
        assert self.keyset is not None
        qs = self.object_list.filter(self._beyond(values, forward=False)).order_by(*self.keyset)
        rows = list(qs[: self.per_page + 1])
        if len(rows) <= self.per_page:
            # The cursor is within the first page's reach: page 1, in full.
            return self.get_page(1)
        rows = rows[: self.per_page][::-1]
        number = max(number, 2)
        self._seen(number, len(rows), True)
        return LargeTablePage(rows, number, self, True, has_previous=True)


def page_rows(qs: QuerySet, offset: int, limit: int) -> QuerySet:
    """``qs[offset:offset + limit]``, reading past the first ``offset`` rows by primary
    key alone: the database skips them in the ordering's index without fetching or
    joining them, and joins only the rows of the page."""
    if offset == 0 or qs.query.distinct or qs.query.combinator:
        return qs[offset : offset + limit]
    keys = qs.values("pk")[offset : offset + limit]
    return qs.filter(pk__in=keys)


def _ordering(qs: QuerySet) -> tuple[str, ...]:
    """The queryset's ordering as written (its model's default when it names none)."""
    if qs.query.combinator:
        return ()
    if qs.query.order_by:
        return tuple(str(o) for o in qs.query.order_by)
    if qs.query.default_ordering:
        return tuple(str(o) for o in qs.model._meta.ordering)
    return ()


def _keyset_field(model: type[models.Model], key: str) -> models.Field:
    field = model._meta.pk if key == "pk" else model._meta.get_field(key)
    if isinstance(field, models.DateTimeField | models.IntegerField | models.AutoField):
        if field.null:
            raise ValueError(f"keyset field {key!r} of {model.__name__} may be null")
        return field
    raise ValueError(f"keyset field {key!r} of {model.__name__} is not a date/time or integer")


def planner_estimate(qs: QuerySet) -> int | None:
    """How many rows PostgreSQL's planner expects ``qs`` to return (no rows are
    read), or None on a database without one."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(qs.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
