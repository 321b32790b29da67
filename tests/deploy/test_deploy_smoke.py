"""The production deployment answers over https through nginx: log in, the inbox, a
record page, a static file, one step (a real POST with its CSRF token); nginx holds
slow and oversized requests back from gunicorn; a stuck database gives the error
page within the statement timeout, logged.

Run by ``make test-deploy`` (``pytest -m deploy``), part of ``make test``; other runs
leave it out (tests/conftest.py). Settings: DEPLOY_DATABASE_URL (a server where the
test may create and drop a database of its own; default: TEST_DATABASE_URL's
server), DEPLOY_REDIS_URL (default redis://127.0.0.1:6379/5),
DEPLOY_DB_STATEMENT_TIMEOUT (seconds, default 2).
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
from deployment import PASSWORD, ROOT, Browser, Deployment, csrf_token

pytestmark = pytest.mark.deploy


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("deploy")
    folder.chmod(0o755)
    database_url = os.environ.get(
        "DEPLOY_DATABASE_URL",
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    if not database_url.startswith("postgres"):
        database_url = "postgres://postgres@127.0.0.1:5432/test"
    deployment = Deployment(
        folder,
        database_url,
        os.environ.get("DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/5"),
        float(os.environ.get("DEPLOY_DB_STATEMENT_TIMEOUT", "2")),
    )
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.close()


@pytest.fixture(scope="module")
def assistant(site: Deployment) -> Browser:
    browser = site.browser()
    answer = browser.log_in("deploy_assistant")
    assert (answer.status, answer.header("Location")) == (302, "/")
    return browser


def directives(value: str) -> set[str]:
    return {d.strip() for d in value.split(",")}


def test_log_in_inbox_record_page_static_file_and_one_step_over_https(site, assistant):
    inbox = assistant.get("/")
    assert inbox.status == 200
    assert "deploy_assistant" in inbox.body
    assert {"private", "no-store"} <= directives(inbox.header("Cache-Control"))
    assert inbox.header("Strict-Transport-Security").startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in inbox.header("Content-Security-Policy")
    assert "script-src 'self'" in inbox.header("Content-Security-Policy")
    assert inbox.header("X-Frame-Options") == "DENY"
    assert "camera=()" in inbox.header("Permissions-Policy")

    page = assistant.get(site.record_url)
    assert page.status == 200
    assert "Smoke sample" in page.body

    # A static file, by the hashed name the page uses, from nginx.
    css = re.search(
        r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.body
    )
    assert css, "the page does not use collectstatic's hashed names"
    static = assistant.get(css[1])
    assert static.status == 200
    assert static.header("Content-Type") == "text/css"
    assert static.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert static.body.startswith("@charset") or ".container" in static.body
    assert "bootstrap.min." not in site.gunicorn_output()  # gunicorn never saw it

    # The step, as the record page's form sends it.
    action = f"/samples/{site.record_pk}/step/issue_work_order/"
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page.body, re.S)
    assert form, "no form for the step on the record page"
    seq = re.search(r'name="_seq" value="(\d+)"', form[1])[1]
    data = {
        "csrfmiddlewaretoken": csrf_token(form[1]),
        "_seq": seq,
        "quantity": "3",
        # within the deadline window the model allows (at most five years ahead)
        "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "production_plan": "Cut, assemble, coat, inspect",
        "comment": "Issued through nginx",
    }
    step = assistant.post(action, data)
    assert (step.status, step.header("Location")) == (302, site.record_url)
    after = assistant.get(site.record_url)
    assert "Work order issued" in after.body
    with site.db_connection() as conn:
        state, step_seq = conn.execute(
            "SELECT state, step_seq FROM samples_sampleorder WHERE id = %s", [site.record_pk]
        ).fetchone()
    assert (state, step_seq) == ("ordered", int(seq) + 1)

    # The same POST without its token changes nothing and gets the application's page.
    refused = assistant.post(action, {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"})
    assert refused.status == 403
    assert 'data-testid="csrf-failure"' in refused.body


def test_the_admin_logs_in_with_the_superuser_createsuperuser_made(site):
    admin = site.browser()
    answer = admin.log_in("deploy_admin", PASSWORD, path="/admin/login/?next=/admin/")
    assert (answer.status, answer.header("Location")) == (302, "/admin/")
    index = admin.get("/admin/")
    assert index.status == 200
    assert "deploy_admin" in index.body


def test_plain_http_is_sent_to_https_and_other_host_names_are_refused(site):
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=5)
    conn.request("GET", "/accounts/login/", headers={"Host": "localhost"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://localhost/accounts/login/"
    conn.close()

    anything = ssl.create_default_context()
    anything.check_hostname = False
    anything.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", site.https_port), timeout=5) as raw,
        pytest.raises(ssl.SSLError),
    ):
        anything.wrap_socket(raw, server_hostname="evil.example")


def test_an_oversized_upload_is_refused_by_nginx_before_gunicorn_sees_it(site, assistant):
    path = f"/samples/{site.record_pk}/attach/"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: localhost:{site.https_port}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
    )
    with (
        socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as raw,
        site.context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(head.encode() + b"--x\r\n")
        answer = tls.recv(65536).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413")
    assert path not in site.gunicorn_output()


def half_sent(site: Deployment, count: int, body: bool) -> list[ssl.SSLSocket]:
    """Connections that send part of a request and then nothing (slowloris)."""
    held = []
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", site.https_port), timeout=5)
        tls = site.context.wrap_socket(raw, server_hostname="localhost")
        if body:
            head = (
                f"POST /accounts/login/ HTTP/1.1\r\nHost: localhost:{site.https_port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n"
            )
            tls.sendall(head.encode() + b"username=slow&pass")
        else:
            tls.sendall(f"GET / HTTP/1.1\r\nHost: localhost:{site.https_port}\r\nX-Slow: ".encode())
        held.append(tls)
    return held


def test_half_sent_requests_hold_no_gunicorn_worker(site):
    # Twice as many half-sent requests as gunicorn has workers, headers and bodies.
    held = half_sent(site, 4, body=False) + half_sent(site, 4, body=True)
    try:
        time.sleep(0.5)
        answer = site.browser().get("/accounts/login/", timeout=5)
        assert answer.status == 200
        assert answer.seconds < 1.0, f"{answer.seconds:.2f} s with slow clients about"
        print(f"\ndeploy: 8 half-sent requests open, a page in {answer.seconds:.3f} s")
    finally:
        for tls in held:
            tls.close()
    assert "slow" not in site.gunicorn_output()


def test_a_stuck_database_gives_the_error_page_within_the_statement_timeout(site, assistant):
    with site.db_connection() as blocker:
        blocker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        answer = assistant.get("/")
        blocker.rollback()

    assert answer.status == 500
    assert "Something went wrong" in answer.body and "出错了" in answer.body
    assert site.statement_timeout <= answer.seconds < site.statement_timeout + 1.5
    print(f"\ndeploy: stuck database -> error page in {answer.seconds:.2f} s")
    log = site.gunicorn_output()
    assert "ERROR django.request: Internal Server Error: /" in log
    assert "canceling statement due to statement timeout" in log
    assert assistant.get("/").status == 200  # the lock is gone, so is the error


def test_management_commands_get_the_long_statement_timeout(site):
    out = site.manage(
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW statement_timeout'); print('TIMEOUT', c.fetchone()[0])",
    )
    assert "TIMEOUT 10min" in out


def test_login_posts_beyond_the_rate_get_nginx_s_bilingual_429_page(site):
    # Last: it uses up this address's login allowance for a while.
    browser = site.browser()
    statuses = [browser.post("/accounts/login/", {"username": "x"}).status for _ in range(30)]
    assert 403 in statuses  # the first ones reach the application (no CSRF token)
    assert statuses[-1] == 429
    throttled = browser.post("/accounts/login/", {"username": "x"})
    assert throttled.status == 429
    assert "Too many requests" in throttled.body and "请求过于频繁" in throttled.body


def test_the_deploy_files_the_readme_names_exist():
    for name in (
        "deploy/nginx/marketing.conf",
        "deploy/gunicorn.conf.py",
        "deploy/systemd/marketing-web.service",
        "deploy/systemd/marketing-worker.service",
        "deploy/systemd/marketing-beat.service",
        "deploy/marketing.env.example",
    ):
        assert (ROOT / name).is_file(), name
        assert name in (ROOT / "README.md").read_text(), f"the README does not name {name}"
    unit = (ROOT / "deploy/systemd/marketing-web.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py" in unit
