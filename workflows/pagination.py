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
  the count.

A small list (one page) costs one query; a longer one adds the bounded count, and one
over ``exact_limit`` rows on PostgreSQL the planner's estimate (``EXPLAIN``, no rows
read).
"""

from __future__ import annotations

import json
import math
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet

# Exact counts up to this many rows; an estimate (or "more than") beyond.
EXACT_COUNT_LIMIT = 1000


class LargeTablePage(Page):
    paginator: LargeTablePaginator

    def __init__(
        self, object_list: Any, number: int, paginator: LargeTablePaginator, has_next: bool
    ) -> None:
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

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
    ) -> None:
        super().__init__(object_list, per_page, 0, True, error_messages)
        self.exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
        self._known_count: int | None = None
        self._count_kind = "exact"

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


def page_rows(qs: QuerySet, offset: int, limit: int) -> QuerySet:
    """``qs[offset:offset + limit]``, reading past the first ``offset`` rows by primary
    key alone: the database skips them in the ordering's index without fetching or
    joining them, and joins only the rows of the page."""
    if offset == 0 or qs.query.distinct or qs.query.combinator:
        return qs[offset : offset + limit]
    keys = qs.values("pk")[offset : offset + limit]
    return qs.filter(pk__in=keys)


def planner_estimate(qs: QuerySet) -> int | None:
    """How many rows PostgreSQL's planner expects ``qs`` to return (no rows are
    read), or None on a database without one."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(qs.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
