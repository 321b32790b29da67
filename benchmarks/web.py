"""Web benchmark: the pages people open all day, served by gunicorn on
``config.production`` (through ``config.bench``, which only adds the floor), against
a bare view behind login that makes one query.

For one size (``--records``) it:

1. builds the data in the database of ``DATABASE_URL`` (a database of its own:
   ``make bench-web`` makes and drops it), server-side with ``INSERT ... SELECT
   generate_series`` (no row goes through Python): ``--records`` sample orders, a
   tenth as many boards and proposals, ``--escalations`` open escalations to the
   marketing manager and a notification for every tenth record, half of them the
   salesperson's; then ``VACUUM ANALYZE``;
2. starts gunicorn (``deploy/gunicorn.conf.py``, ``--workers``, persistent database
   connections) on a free loopback port, as nginx would reach it (``X-Forwarded-Proto:
   https``);
3. sends ``--concurrency`` clients through every target interleaved (each client takes
   the next request of one shuffled list), ``--requests`` per target or ``--seconds``
   in all, whichever comes first. Each list is measured at page 1 and at page 1000
   (or the user's last page) twice: by number (``?page=1000``, the rows before it
   skipped by ``OFFSET``) and by cursor (``?page=1000&after=...``, the URL its "next"
   link gives, built from the database), which reads from the row the cursor names;
4. prints p50, p95 and the throughput of each target and their ratios to the bare
   view (``--json``: as JSON on stdout), and the queries each page makes.

PostgreSQL only. Not part of the test suite::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_web \\
        .venv/bin/python benchmarks/web.py --records 10000
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.bench"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-web-only-" + secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,testserver")
os.environ.setdefault("DJANGO_STATIC_ROOT", str(ROOT / "var" / "bench_web" / "static"))

import django  # noqa: E402

from config.dbtimeouts import use_long_statement_timeout  # noqa: E402

# Building a million rows takes longer than a web request's statement timeout.
use_long_statement_timeout()
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Customer  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from samples.models import Board, SampleOrder  # noqa: E402
from workflows.models import Escalation, Notification  # noqa: E402
from workflows.pagination import LargeTablePaginator  # noqa: E402
from workflows.registry import sync_roles  # noqa: E402
from workflows.rights import readable  # noqa: E402
from workflows.roles import ROLES  # noqa: E402
from workflows.views.records import LIST_KEYSET  # noqa: E402

SALESPEOPLE = 20  # "sales" (the measured one) and sales02..sales20
CUSTOMERS = 50
PER_PAGE = 25
PAGE_FAR = 1000
# A row's reference on a list page.
REFERENCE = re.compile(r'<td class="ref"><a href="[^"]*">([^<]+)</a>')
BACKEND = "django.contrib.auth.backends.ModelBackend"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The data set ------------------------------------------------------------------------


def check_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("the web benchmark runs on PostgreSQL: set DATABASE_URL")
    name = str(connection.settings_dict["NAME"])
    if name == "test" or name.startswith("test_"):
        sys.exit(f"refusing to use the test database {name!r}: give the benchmark its own")
    tables = set(connection.introspection.table_names())
    if SampleOrder._meta.db_table in tables and SampleOrder.objects.exists():
        sys.exit(f"database {name!r} already holds records: give the benchmark an empty one")


def users_create() -> dict[str, Any]:
    """One user per role, named by its code (as seed_demo does), more salespeople
    and a superuser for the admin."""
    sync_roles()
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    users: dict[str, Any] = {}
    wanted = [(r.code, r.code) for r in ROLES]
    wanted += [(f"sales{n:02d}", "sales") for n in range(2, SALESPEOPLE + 1)]
    password = make_password(None)
    for username, role in wanted:
        user = User.objects.create(
            username=username, email=f"{username}@example.com", password=password
        )
        user.groups.add(groups[role])
        users[username] = user
    users["admin"] = User.objects.create(
        username="bench_admin", password=password, is_staff=True, is_superuser=True
    )
    return users


def sql_array(values: list[Any]) -> tuple[str, list[Any]]:
    return "ARRAY[" + ", ".join(["%s"] * len(values)) + "]", list(values)


def pick(values: list[Any], spread: int, cast: str = "") -> tuple[str, list[Any]]:
    """SQL choosing one of ``values`` by the row number ``g``; ``spread``, a prime
    larger than any list here, spreads the rows over every value."""
    array, params = sql_array(values)
    return f"({array}{cast})[1 + ((g::bigint * {spread}) %% {len(values)})::int]", params


def insert_series(
    model: type[models.Model],
    n: int,
    template: models.Model,
    exprs: dict[str, tuple[str, list[Any]]],
) -> None:
    """``n`` rows of ``model`` made by the database: each column is ``exprs``'s SQL (of
    the row number ``g``) or ``template``'s value."""
    columns, selects, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.name in exprs:
            sql, p = exprs[f.name]
        else:
            sql, p = "%s", [f.get_db_prep_save(getattr(template, f.attname), connection)]
        selects.append(sql)
        params.extend(p)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(selects)} FROM generate_series(1, {n}) AS g",
            params,
        )


def record_exprs(
    model: type[models.Model], n: int, owners: list[int], now: Any, prefix: str
) -> dict[str, tuple[str, list[Any]]]:
    """The engine's columns: a unique reference, states spread over the model's,
    newest first by ``g``, a step due from ten days ago to twenty days on."""
    states = [s for s, _label in model.state_field().flatchoices]
    owner = pick(owners, 7919)
    created = ("%s::timestamptz - (g * interval '37 seconds')", [now])
    exprs = {
        "reference": (f"'{prefix}-' || lpad(g::text, 8, '0')", []),
        "state": pick(states, 104729),
        "created_by": owner,
        "created_at": created,
        "updated_at": created,
        "step_seq": ("1", []),
        "step_started_at": created,
        "step_due_at": (
            "%s::timestamptz + (((g * 7) %% 30) - 10) * interval '1 day'"
            " + (g %% 1440) * interval '1 minute'",
            [now],
        ),
    }
    exprs[model.owner_field] = owner
    return exprs


def records_create(args: argparse.Namespace, users: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    n = args.records
    customers = Customer.objects.bulk_create(
        Customer(code=f"BENCH-{i:03d}", name=f"Benchmark customer {i:03d} Ltd.")
        for i in range(1, CUSTOMERS + 1)
    )
    salespeople = [users["sales"].pk] + [users[f"sales{i:02d}"].pk for i in range(2, 21)]
    customer = pick([c.pk for c in customers], 1299709)
    today = timezone.localdate()

    started = time.perf_counter()
    order = SampleOrder(
        customer=customers[0],
        product_name="Benchmark product",
        quantity=2,
        requirements="Match the colour card; pack in pairs.",
        materials="One drawing, one colour card",
        due_date=today,
    )
    exprs = record_exprs(SampleOrder, n, salespeople, now, "SP-B")
    exprs["customer"] = customer
    exprs["product_name"] = ("'Product ' || g", [])
    exprs["due_date"] = ("%s::date + (g %% 60)", [today])
    insert_series(SampleOrder, n, order, exprs)
    log(f"  {n} sample orders in {time.perf_counter() - started:.1f} s")

    small = max(n // 10, 1)
    board = Board(
        kind=Board.Kind.choices[0][0],
        customer=customers[0],
        customer_order_no="PO-1",
        product_name="Benchmark board",
        requirements="As the order says.",
    )
    exprs = record_exprs(Board, small, salespeople, now, "PB-B")
    exprs["customer"] = customer
    fill_required(Board, board, today)
    insert_series(Board, small, board, exprs)

    proposal = Proposal(
        developer_name="Benchmark developer",
        project_name="Benchmark project",
        pitch_deadline=today,
    )
    fill_required(Proposal, proposal, today)
    bd = [users["bd"].pk]
    exprs = record_exprs(Proposal, small, bd, now, "PP-B")
    exprs["project_name"] = ("'Project ' || g", [])
    insert_series(Proposal, small, proposal, exprs)
    log(f"  {small} boards and {small} proposals")

    # Open escalations to the marketing manager, of open sample orders.
    ct = ContentType.objects.get_for_model(SampleOrder)
    manager = users["marketing_manager"].pk
    final = list(SampleOrder.final_states)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Escalation._meta.db_table}
                (content_type_id, object_id, step_seq, role, manager_id, due_at,
                 escalated_at, resolved_at)
            SELECT %s, o.id, o.step_seq, 'sales_assistant', %s, o.step_due_at, %s, NULL
            FROM {SampleOrder._meta.db_table} o
            WHERE NOT (o.state = ANY(%s))
            ORDER BY o.id
            LIMIT %s
            """,
            [ct.pk, manager, now, final, args.escalations],
        )
        escalations = cursor.rowcount
    # Notifications: one per ten records, half of them the measured salesperson's.
    note = Notification(
        recipient_id=users["sales"].pk, key="", message="SP-B: a step is due", url="/samples/"
    )
    others = [users[f"sales{i:02d}"].pk for i in range(2, 21)]
    insert_series(
        Notification,
        small,
        note,
        {
            "recipient": (
                "CASE WHEN g %% 2 = 0 THEN %s ELSE " + pick(others, 7919)[0] + " END",
                [users["sales"].pk, *others],
            ),
            "key": ("'bench:' || g", []),
            "content_type": ("%s", [ct.pk]),
            "object_id": ("g", []),
            "created_at": ("%s::timestamptz - (g * interval '53 seconds')", [now]),
            "read_at": ("CASE WHEN g %% 3 = 0 THEN %s::timestamptz END", [now]),
        },
    )
    log(f"  {escalations} escalations, {small} notifications")
    return {"boards": small, "proposals": small, "escalations": escalations, "notifications": small}


def fill_required(model: type[models.Model], instance: models.Model, today: Any) -> None:
    """Give each required column the template has empty a plain value of its type."""
    for f in model._meta.concrete_fields:
        if f.primary_key or f.null or f.is_relation:
            continue
        if getattr(instance, f.attname) not in (None, ""):
            continue
        if isinstance(f, models.DateTimeField):
            setattr(instance, f.attname, timezone.now())
        elif isinstance(f, models.DateField):
            setattr(instance, f.attname, today)
        elif isinstance(f, (models.DecimalField, models.IntegerField)):
            setattr(instance, f.attname, 1)
        elif f.choices and not f.blank:
            setattr(instance, f.attname, f.choices[0][0])
        elif not f.blank:
            setattr(instance, f.attname, "x")


def build(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    check_database()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"building {args.records} records")
    with transaction.atomic():
        users = users_create()
        built = records_create(args, users)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    built["build_seconds"] = round(time.perf_counter() - started, 1)
    log(f"  built in {built['build_seconds']} s")
    return built


# --- The targets -------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    user: str
    path: str
    method: str = "GET"
    expect: int = 200
    data: list[str] = field(default_factory=list)  # POST: one path per request


def session_for(user: Any) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = BACKEND
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def far_page(qs: models.QuerySet) -> int:
    """Page ``PAGE_FAR`` of a user's list, or its last page if it has fewer (a page
    past the end would be served as page 1)."""
    return min(PAGE_FAR, max(math.ceil(qs.count() / PER_PAGE), 1))


def cursor_path(url: str, qs: models.QuerySet, far: int) -> str:
    """Page ``far`` (≥ 2) of the list as its "next" link reaches it: the URL carries
    the last row of the page before (read here, once, by OFFSET), and the server
    reads from that row on down the list's index."""
    row = qs[(far - 1) * PER_PAGE - 1]
    cursor = LargeTablePaginator(qs, PER_PAGE, keyset=LIST_KEYSET).cursor_of(row)
    return f"{url}?page={far}&after={cursor}"


def targets(args: argparse.Namespace) -> tuple[list[Target], dict[str, Any]]:
    User = get_user_model()
    users = {
        "sales": User.objects.get(username="sales"),
        "marketing_manager": User.objects.get(username="marketing_manager"),
        "sample_room": User.objects.get(username="sample_room"),
        "admin": User.objects.get(username="bench_admin"),
        "bd": User.objects.get(username="bd"),
    }
    record = (
        SampleOrder.objects.open()
        .filter(salesperson=users["sales"])
        .order_by("-created_at", "-pk")
        .first()
    )
    # Each POST starts production on a record of its own.
    ordered = list(
        SampleOrder.objects.filter(state=SampleOrder.State.ORDERED)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.requests + args.warmup * 2]
    )
    pages = {
        "samples": (reverse("samples:sampleorder_list"), SampleOrder, "sales"),
        "boards": (reverse("samples:board_list"), Board, "sales"),
        "proposals": (reverse("proposals:proposal_list"), Proposal, "bd"),
    }
    found = [
        Target("bare view", "sales", "/bench/bare/"),
        Target("inbox, sales", "sales", reverse("workflows:inbox")),
        Target("inbox, marketing manager", "marketing_manager", reverse("workflows:inbox")),
    ]
    far_pages = {}
    for name, (url, model, user) in pages.items():
        # The user's list, in its default order (what the page shows them).
        listed = readable(users[user], model).order_by(*(f"-{key}" for key in LIST_KEYSET))
        far = far_page(listed)
        far_pages[name] = far
        found.append(Target(f"{name} list, page 1", user, url))
        if far < 2:
            continue  # one page: nothing further to measure
        found.append(Target(f"{name} list, page {far}", user, f"{url}?page={far}"))
        found.append(
            Target(f"{name} list, page {far} by cursor", user, cursor_path(url, listed, far))
        )
    found += [
        Target("record page", "sales", record.get_absolute_url()),
        Target("notifications", "sales", reverse("workflows:notifications")),
        Target("admin changelist", "admin", reverse("admin:samples_sampleorder_changelist")),
        Target(
            "POST of a step",
            "sample_room",
            "",
            method="POST",
            expect=302,
            data=[
                reverse("samples:sampleorder_step", kwargs={"pk": pk, "name": "start_production"})
                for pk in ordered
            ],
        ),
    ]
    sessions = {name: session_for(u) for name, u in users.items()}
    same_pages = {
        name: (f"{name} list, page {far}", f"{name} list, page {far} by cursor")
        for name, far in far_pages.items()
        if far > 1
    }
    return found, {"sessions": sessions, "far_pages": far_pages, "same_pages": same_pages}


def queries_per_page(found: list[Target], same_pages: dict[str, tuple[str, str]]) -> dict[str, int]:
    """The queries each GET target makes, in this process (the POSTs are left out:
    they change the data); logs a list whose page by cursor shows other rows than
    its page by number (``same_pages``: list name to the two targets' names)."""
    User = get_user_model()
    counts = {}
    pages: dict[str, list[str]] = {}
    for target in found:
        if target.method != "GET":
            continue
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="en")
        username = "bench_admin" if target.user == "admin" else target.user
        client.force_login(User.objects.get(username=username))
        client.get(target.path, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target.path, secure=True)
        counts[target.name] = len(captured) if response.status_code == 200 else -1
        pages[target.name] = REFERENCE.findall(response.content.decode())
    # A page by cursor shows the rows of the page by number.
    for name, (by_number, by_cursor) in same_pages.items():
        if not pages.get(by_number) or pages.get(by_number) != pages.get(by_cursor):
            log(f"  {name}: the page by cursor differs from the page by number")
    return counts


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(port: int, workers: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.bench",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(log_path),
            # A million rows: a warm-up must not be recycled away mid-run.
            "--max-requests",
            "0",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn ended at start: see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    gunicorn_stop(process)
    sys.exit("gunicorn did not start within 60 s")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The load ----------------------------------------------------------------------------


class Load:
    def __init__(self, port: int, found: list[Target], sessions: dict[str, str]) -> None:
        self.port = port
        self.sessions = sessions
        self.csrf = secrets.token_hex(16)  # 32 characters, the cookie's form
        self.posts = {t.name: iter(t.data) for t in found if t.method == "POST"}
        self.posted = 0
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def request(self, target: Target) -> tuple[int, float] | None:
        path = target.path
        body = None
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",  # what nginx sets
            "Accept-Language": "en",
            "Cookie": f"sessionid={self.sessions[target.user]}; csrftoken={self.csrf}",
        }
        if target.method == "POST":
            with self.lock:
                path = next(self.posts[target.name], "")
                self.posted += bool(path)
            if not path:
                return None  # no record left to act on
            body = f"csrfmiddlewaretoken={self.csrf}&_seq=1"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(target.method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError as error:
            status = -1
            with self.lock:
                self.errors[target.name].append(type(error).__name__)
        finally:
            conn.close()
        return status, time.perf_counter() - started

    def run(self, plan: list[Target], concurrency: int, seconds: float, record: bool) -> float:
        queue = iter(plan)
        deadline = time.monotonic() + seconds

        def client() -> None:
            while time.monotonic() < deadline:
                with self.lock:
                    target = next(queue, None)
                if target is None:
                    return
                outcome = self.request(target)
                if outcome is None or not record:
                    continue
                status, took = outcome
                with self.lock:
                    if status == target.expect:
                        self.times[target.name].append(took)
                    elif status != -1:
                        self.errors[target.name].append(str(status))

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def measure(args: argparse.Namespace, found: list[Target], sessions: dict[str, str]) -> dict:
    port = free_port()
    bench_dir = Path(settings.BENCH_DIR)
    log(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers")
    process = gunicorn_start(port, args.workers, bench_dir / "gunicorn.log")
    try:
        load = Load(port, found, sessions)
        warm = [t for t in found for _ in range(args.warmup)]
        load.run(warm, args.concurrency, args.seconds, record=False)
        plan = [t for t in found for _ in range(args.requests)]
        random.Random(args.seed).shuffle(plan)
        log(f"measuring {len(plan)} requests, {args.concurrency} at a time")
        wall = load.run(plan, args.concurrency, args.seconds, record=True)
    finally:
        gunicorn_stop(process)
    done = sum(len(v) for v in load.times.values())
    rows = []
    bare = load.times.get("bare view") or [float("nan")]
    bare_p50, bare_p95 = percentile(bare, 0.5), percentile(bare, 0.95)
    for target in found:
        times = load.times.get(target.name, [])
        row: dict[str, Any] = {"target": target.name, "requests": len(times)}
        row["errors"] = len(load.errors.get(target.name, []))
        if load.errors.get(target.name):
            row["error_kinds"] = sorted(set(load.errors[target.name]))
        if times:
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            row.update(
                {
                    "p50_ms": round(p50 * 1000, 1),
                    "p95_ms": round(p95 * 1000, 1),
                    # What the workers would serve of this page alone at this latency.
                    "throughput_rps": round(args.concurrency / statistics.fmean(times), 1),
                    "p50_ratio": round(p50 / bare_p50, 2),
                    "p95_ratio": round(p95 / bare_p95, 2),
                }
            )
        rows.append(row)
    return {
        "port": port,
        "wall_seconds": round(wall, 1),
        "requests_done": done,
        "posts_sent": load.posted,
        "throughput_rps": round(done / wall, 1) if wall else None,
        "targets": rows,
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n{result['records']:,} sample orders ({result['built']['boards']:,} boards, "
        f"{result['built']['proposals']:,} proposals, {result['built']['escalations']:,} "
        f"escalations to the marketing manager, {result['built']['notifications']:,} "
        f"notifications); gunicorn {result['workers']} workers, "
        f"{result['concurrency']} clients, CONN_MAX_AGE={result['conn_max_age']}"
    )
    run = result["run"]
    print(
        f"{run['requests_done']} requests in {run['wall_seconds']} s: "
        f"{run['throughput_rps']} requests/s in all"
    )
    head = f"{'target':38} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} "
    head += f"{'p50 ×':>6} {'p95 ×':>6} {'queries':>7}"
    print(head)
    for row in run["targets"]:
        queries = result["queries"].get(row["target"], "")
        if "p50_ms" not in row:
            print(f"{row['target']:38} {row['requests']:>5} {row['errors']:>4}   (no answer)")
            continue
        print(
            f"{row['target']:38} {row['requests']:>5} {row['errors']:>4} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['throughput_rps']:>7} {row['p50_ratio']:>6} "
            f"{row['p95_ratio']:>6} {queries!s:>7}"
        )
        if row.get("error_kinds"):
            print(f"{'':38} errors: {', '.join(row['error_kinds'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--escalations", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100, help="per target")
    parser.add_argument("--warmup", type=int, default=5, help="requests per target, unmeasured")
    parser.add_argument("--seconds", type=float, default=300, help="at most, for the whole run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--build-only", action="store_true", help="build the data and stop (for EXPLAIN)"
    )
    args = parser.parse_args()

    bench_dir = Path(settings.BENCH_DIR)
    built = build(args)
    if args.build_only:
        return
    log("collecting static files")
    call_command("collectstatic", verbosity=0, interactive=False)
    found, extra = targets(args)
    queries = queries_per_page(found, extra["same_pages"])
    connection.close()
    result = {
        "records": args.records,
        "built": built,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        "far_pages": extra["far_pages"],
        "queries": queries,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    result["run"] = measure(args, found, extra["sessions"])
    # A step's POST redirects whether it moved the record or refused: count the moves.
    posted = next(t for t in found if t.method == "POST")
    pks = [int(path.rstrip("/").split("/")[-3]) for path in posted.data]
    result["posts_applied"] = SampleOrder.objects.filter(
        pk__in=pks, state=SampleOrder.State.IN_PRODUCTION
    ).count()
    result["load_average_after"] = os.getloadavg()
    shutil.rmtree(bench_dir / "broker", ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
        print(
            f"steps taken: {result['posts_applied']} of the "
            f"{result['run']['posts_sent']} POSTs sent (warm-up included)"
        )
        print(
            f"load average before/after: {result['load_average']} / "
            f"{result['load_average_after']} on {result['cpus']} CPUs"
        )


if __name__ == "__main__":
    main()
