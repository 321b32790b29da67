"""Benchmark of one deadline scan (``workflows.reminders.reminders_scan``).

Builds (or reuses) a data set of open sample orders, of which a given share
is overdue and a few percent fall due within the next day, and measures two
scans at the same moment:

1. the first scan, which sends a reminder for every overdue and due-soon
   record (and escalates the steps overdue past their role's limit);
2. an immediate second scan: the steady state of the scan every five
   minutes, which reads the same candidates and has nothing new to send.

For each: wall time, SQL queries (counted with an execute wrapper, by kind)
and what it sent; then both again from a clean slate under tracemalloc for
their peak Python memory (it slows Python down about threefold, so never
while the clock runs); ``--profile FILE`` adds a scan under cProfile (the
first, or with ``--profile-scan second`` the second).

Then the email backlog (``--emails``, 40,000; 0 skips it): that many
notifications waiting for their email, made from those the first scan wrote,
sent by delivery runs of 1,000 (``workflows.notify.email.emails_send``, as
the Celery task does) into Django's in-memory mail backend, so that what is
timed is the project's own cost per email (locking, rendering, marking sent),
not a mail server's. Each run's time per email is reported: constant from the
first run to the last when the sending query keeps to its index.

DATABASE_URL chooses the database, as for manage.py; use a database of its
own (``make bench`` makes and drops them), never the test database. Not
part of the test suite::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scan \\
        .venv/bin/python benchmarks/scan.py --records 100000 --overdue 0.10 [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import pstats
import random
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG would keep the last 9,000 queries in memory and count them in the peak.
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from orders.models import Customer  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from samples.models import Board, SampleOrder  # noqa: E402
from workflows.models import (  # noqa: E402
    Escalation,
    EscalationRule,
    Notification,
    ReferenceCounter,
    Reminder,
)
from workflows.notify.email import emails_send  # noqa: E402
from workflows.notify.scan import reminders_scan  # noqa: E402
from workflows.registry import sync_roles  # noqa: E402
from workflows.roles import ROLES  # noqa: E402

# The moment the data set is built around and both scans run at: fixed, so
# that a data set built earlier can be reused.
DEFAULT_NOW = "2026-11-26T10:00:00+08:00"
CUSTOMER_PREFIX = "BENCH-"
CUSTOMERS = 50
SALESPEOPLE = 20
BATCH = 2000
# Each role's overdue steps go to a manager after two days (EscalationRule).
ESCALATE_TO = {
    "sales": "ka_dept_manager",
    "sales_assistant": "marketing_manager",
    "sample_room": "product_marketing_manager",
    "pmc": "product_marketing_manager",
    "qa": "product_marketing_manager",
    "warehouse": "marketing_manager",
}
ESCALATE_AFTER = dt.timedelta(days=2)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The data set ------------------------------------------------------------------------


def open_states() -> list[str]:
    return [s for s in SampleOrder.State.values if s not in SampleOrder.final_states]


def check_database() -> None:
    """Refuse a test database, or one holding records the benchmark did not make
    (a fresh database has no tables yet)."""
    if not os.environ.get("DATABASE_URL"):
        sys.exit("set DATABASE_URL to a database of the benchmark's own (see make bench)")
    name = str(connection.settings_dict["NAME"])
    if Path(name).stem == "test" or Path(name).stem.startswith("test_"):
        sys.exit(f"refusing to use the test database {name!r}: give the benchmark its own")
    tables = set(connection.introspection.table_names())
    models = [m for m in (SampleOrder, Board, Proposal) if m._meta.db_table in tables]
    foreign = [
        m.objects.exclude(customer__code__startswith=CUSTOMER_PREFIX)
        if m is SampleOrder
        else m.objects.all()
        for m in models
    ]
    if any(qs.exists() for qs in foreign):
        sys.exit(
            f"database {name!r} holds records the benchmark did not make: "
            "give the benchmark a database of its own"
        )


def users_create() -> dict[str, Any]:
    """One user per role (named by its code, as seed_demo does) and the salespeople."""
    sync_roles()
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.code for r in ROLES])}
    users: dict[str, Any] = {}
    wanted = [(r.code, r.code) for r in ROLES]
    wanted += [(f"sales{n:02d}", "sales") for n in range(1, SALESPEOPLE + 1)]
    for username, role in wanted:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "password": make_password(None)},
        )
        if created:
            user.groups.add(groups[role])
        users[username] = user
    return users


def rules_create(users: dict[str, Any], escalations: bool) -> int:
    if not escalations:
        EscalationRule.objects.all().delete()
        return 0
    for role, manager in ESCALATE_TO.items():
        EscalationRule.objects.update_or_create(
            role=role, defaults={"manager": users[manager], "after": ESCALATE_AFTER}
        )
    return len(ESCALATE_TO)


def plan(records: int, overdue: float, due_soon: float) -> tuple[int, int]:
    n_overdue = round(records * overdue)
    n_soon = round(records * due_soon)
    if n_overdue + n_soon > records:
        sys.exit("--overdue and --due-soon add up to more than every record")
    return n_overdue, n_soon


def dataset_matches(records: int, n_overdue: int, now: dt.datetime) -> bool:
    return (
        SampleOrder.objects.count() == records
        and SampleOrder.objects.filter(step_due_at__lt=now).count() == n_overdue
    )


def sent_clear() -> None:
    """Forget what earlier scans sent, so that the next scan is a first scan again."""
    Notification.objects.all().delete()
    Escalation.objects.all().delete()
    Reminder.objects.all().delete()


def records_create(
    records: int, n_overdue: int, n_soon: int, now: dt.datetime, users: dict[str, Any], seed: int
) -> None:
    rng = random.Random(seed)
    SampleOrder.objects.all().delete()
    Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).delete()
    customers = Customer.objects.bulk_create(
        Customer(code=f"{CUSTOMER_PREFIX}{n:03d}", name=f"Benchmark customer {n:03d} Ltd.")
        for n in range(1, CUSTOMERS + 1)
    )
    salespeople = [users[f"sales{n:02d}"] for n in range(1, SALESPEOPLE + 1)]
    states = open_states()
    # Which records are overdue, due soon or due later, shuffled over the table.
    kinds = ["overdue"] * n_overdue + ["soon"] * n_soon + ["later"] * (records - n_overdue - n_soon)
    rng.shuffle(kinds)
    day = dt.timedelta(days=1)
    year = now.year
    batch: list[SampleOrder] = []
    for i, kind in enumerate(kinds, start=1):
        if kind == "overdue":  # up to ten days late, so most are past escalation too
            due = now - rng.uniform(60, 10 * 86400) * dt.timedelta(seconds=1)
        elif kind == "soon":
            due = now + rng.uniform(60, 86400 - 60) * dt.timedelta(seconds=1)
        else:
            due = now + day + rng.uniform(60, 30 * 86400) * dt.timedelta(seconds=1)
        state_index = rng.randrange(len(states))
        started = min(due - rng.uniform(1, 5) * day, now)
        salesperson = rng.choice(salespeople)
        batch.append(
            SampleOrder(
                reference=f"{SampleOrder.reference_prefix}-{year}-{i:06d}",
                state=states[state_index],
                step_seq=state_index + 1,
                step_started_at=started,
                step_due_at=due,
                created_at=started - rng.uniform(0, 20) * day,
                created_by=salesperson,
                salesperson=salesperson,
                customer=rng.choice(customers),
                product_name=f"Product {i:06d}",
                quantity=rng.randint(1, 5),
                requirements="Match the colour card; pack in pairs.",
                due_date=(due + 3 * day).date(),
            )
        )
        if len(batch) == BATCH:
            SampleOrder.objects.bulk_create(batch, batch_size=BATCH)
            batch = []
            if i % 20000 == 0:
                log(f"  {i} records")
    if batch:
        SampleOrder.objects.bulk_create(batch, batch_size=BATCH)
    # The next record opened in the application numbers after these.
    ReferenceCounter.objects.update_or_create(
        prefix=SampleOrder.reference_prefix, year=year, defaults={"last": records}
    )


def prepare(args: argparse.Namespace, now: dt.datetime) -> dict[str, Any]:
    started = time.perf_counter()
    check_database()  # before migrating: never touch a database not the benchmark's
    call_command("migrate", verbosity=0, interactive=False)
    n_overdue, n_soon = plan(args.records, args.overdue, args.due_soon)
    with transaction.atomic():
        users = users_create()
        rules = rules_create(users, not args.no_escalations)
    reused = dataset_matches(args.records, n_overdue, now)
    if reused:
        log(f"reusing the {args.records} records in the database")
        sent_clear()
    else:
        log(f"creating {args.records} records ({n_overdue} overdue, {n_soon} due soon)")
        sent_clear()
        with transaction.atomic():
            records_create(args.records, n_overdue, n_soon, now, users, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    return {
        "records": args.records,
        "open_records": SampleOrder.objects.open().count(),
        "overdue": n_overdue,
        "due_soon": n_soon,
        "users": len(users),
        "escalation_rules": rules,
        "reused": reused,
        "setup_seconds": round(time.perf_counter() - started, 1),
    }


# --- Measuring ---------------------------------------------------------------------------


class QueryCounter:
    """Counts the statements sent to the database, by their first word."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.kinds[sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"] += 1
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def sent_counts() -> dict[str, int]:
    return {
        "reminders": Reminder.objects.count(),
        "escalations": Escalation.objects.count(),
        "notifications": Notification.objects.count(),
    }


def measure(
    label: str, now: dt.datetime, memory: bool = False, profile: str | None = None
) -> dict[str, Any]:
    """One scan at ``now``: timed and counted, or under tracemalloc, or profiled."""
    before = sent_counts()
    counter = QueryCounter()
    profiler = cProfile.Profile() if profile else None
    gc.collect()
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        result = reminders_scan(now)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    after = sent_counts()
    if profiler:
        profiler.dump_stats(profile)
        log(f"profile of the {label} written to {profile}; the slowest by cumulative time:")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    return {
        "scan": label,
        "seconds": round(seconds, 2),
        "reminders": result.reminders,
        "escalations": result.escalations,
        "notifications": after["notifications"] - before["notifications"],
        "queries": counter.total,
        "queries_by_kind": dict(counter.kinds.most_common()),
        "peak_memory_mib": round(peak / 2**20, 1) if peak is not None else None,
    }


def same_work(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("reminders", "escalations", "notifications", "queries")
    return all(a[k] == b[k] for k in keys)


def scans_run(
    now: dt.datetime, memory: bool, profile: str | None, profile_scan: str = "first"
) -> list[dict[str, Any]]:
    """The first and the second scan, timed; then, from a clean slate again, the
    same two under tracemalloc for their peak memory (tracemalloc makes Python
    several times slower, so it never runs while the clock does); and the first
    (or second) scan once more under cProfile if asked."""
    scans = [measure("first scan", now), measure("second scan", now)]
    if memory:
        log("again under tracemalloc, for the peak memory")
        sent_clear()
        for scan in scans:
            traced = measure(scan["scan"], now, memory=True)
            if not same_work(scan, traced):
                log(f"warning: the traced {scan['scan']} did other work: {traced}")
            scan["peak_memory_mib"] = traced["peak_memory_mib"]
            scan["seconds_under_tracemalloc"] = traced["seconds"]
    if profile:
        log(f"the {profile_scan} scan again under cProfile")
        sent_clear()
        if profile_scan == "second":
            measure("first scan", now)
        measure(f"{profile_scan} scan", now, profile=profile)
    return scans


# Emails a delivery run takes in the backlog benchmark.
EMAIL_RUN = 1000


def emails_prepare(count: int) -> int:
    """Exactly ``count`` notifications waiting for their email: copies of the
    first scan's notifications (their messages and records), spread over the
    recipients that have an address. Any other waiting email is cleared."""
    Notification.objects.filter(email_pending=True).update(email_pending=False)
    Notification.objects.filter(key__startswith="bench-email-").delete()
    models_ = list(
        Notification.objects.filter(recipient__email__gt="")
        .exclude(template="")
        .order_by("pk")[:1000]
    )
    if not models_:
        raise SystemExit("no notification to copy: run the scans first")
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(count):
        model = models_[i % len(models_)]
        rows.append(
            Notification(
                recipient_id=model.recipient_id,
                key=f"bench-email-{i}",
                content_type_id=model.content_type_id,
                object_id=model.object_id,
                template=model.template,
                params=model.params,
                message=model.message,
                url=model.url,
                created_at=now,
                email_pending=True,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=BATCH)
    return Notification.objects.filter(email_pending=True).count()


def emails_run(count: int) -> dict[str, Any]:
    """Send a backlog of ``count`` emails in delivery runs of ``EMAIL_RUN``,
    into the in-memory mail backend; each run timed and its queries counted."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = time.perf_counter()
    waiting = emails_prepare(count)
    setup = time.perf_counter() - started
    runs: list[dict[str, Any]] = []
    total = 0
    while True:
        mail.outbox = []
        counter = QueryCounter()
        gc.collect()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            sent = emails_send(limit=EMAIL_RUN)
        seconds = time.perf_counter() - started
        if not sent:
            break
        if len(mail.outbox) != sent:
            raise SystemExit(f"{sent} emails reported, {len(mail.outbox)} in the outbox")
        total += sent
        runs.append({"sent": sent, "seconds": seconds, "queries": counter.total})
    mail.outbox = []
    left = Notification.objects.filter(email_pending=True).count()
    per_email = [r["seconds"] / r["sent"] * 1000 for r in runs]
    return {
        "backlog": waiting,
        "setup_seconds": round(setup, 1),
        "sent": total,
        "left": left,
        "runs": len(runs),
        "seconds": round(sum(r["seconds"] for r in runs), 1),
        "ms_per_email_first_run": round(per_email[0], 2) if per_email else None,
        "ms_per_email_last_run": round(per_email[-1], 2) if per_email else None,
        "ms_per_email_min": round(min(per_email), 2) if per_email else None,
        "ms_per_email_max": round(max(per_email), 2) if per_email else None,
        "queries_per_email": round(sum(r["queries"] for r in runs) / total, 2) if total else None,
    }


def emails_summary(figures: dict[str, Any], database: str) -> str:
    return (
        f"{database}, email backlog of {figures['backlog']:,}: {figures['sent']:,} sent "
        f"({figures['left']:,} left) in {figures['runs']} runs of {EMAIL_RUN:,}, "
        f"{figures['seconds']:.1f} s; per email {figures['ms_per_email_first_run']} ms in the "
        f"first run, {figures['ms_per_email_last_run']} ms in the last (min "
        f"{figures['ms_per_email_min']}, max {figures['ms_per_email_max']}); "
        f"{figures['queries_per_email']} queries per email"
    )


def database_label() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.vendor


def summary(scan: dict[str, Any], records: int, database: str) -> str:
    kinds = ", ".join(f"{k.lower()} {n:,}" for k, n in scan["queries_by_kind"].items())
    memory = (
        f"peak {scan['peak_memory_mib']:.1f} MiB" if scan["peak_memory_mib"] is not None else ""
    )
    return (
        f"{database}, {records:,} records, {scan['scan']}: {scan['seconds']:.1f} s, "
        f"{scan['reminders']:,} reminders, {scan['escalations']:,} escalations, "
        f"{scan['notifications']:,} notifications, {scan['queries']:,} queries ({kinds}); "
        f"{memory}".rstrip("; ")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="open sample orders")
    parser.add_argument("--overdue", type=float, default=0.10, help="share overdue at --now")
    parser.add_argument(
        "--due-soon", type=float, default=0.03, help="share due within the next day"
    )
    parser.add_argument("--now", default=DEFAULT_NOW, help="the scans' moment (ISO 8601)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-escalations", action="store_true", help="no EscalationRule: reminders only"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the second pass under tracemalloc"
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile a scan into FILE")
    parser.add_argument(
        "--profile-scan", choices=("first", "second"), default="first", help="which scan"
    )
    parser.add_argument(
        "--emails", type=int, default=40_000, help="email backlog to send afterwards (0: none)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    now = dt.datetime.fromisoformat(args.now)
    if now.tzinfo is None:
        parser.error("--now needs a time zone offset, e.g. 2026-11-26T10:00:00+08:00")

    database = database_label()
    dataset = prepare(args, now)
    log(f"data set ready in {dataset['setup_seconds']} s; scanning")
    scans = scans_run(now, not args.no_memory, args.profile, args.profile_scan)
    emails = None
    if args.emails:
        log(f"sending a backlog of {args.emails:,} emails")
        emails = emails_run(args.emails)
    if args.json:
        figures = {
            "database": database,
            "now": now.isoformat(),
            **dataset,
            "scans": scans,
            "emails": emails,
        }
        print(json.dumps(figures, indent=2))
    else:
        for scan in scans:
            print(summary(scan, dataset["records"], database))
        if emails:
            print(emails_summary(emails, database))
    return 0


if __name__ == "__main__":
    sys.exit(main())
