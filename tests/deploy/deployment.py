"""The production deployment, for real, on this machine: gunicorn (deploy/gunicorn.conf.py)
behind nginx (deploy/nginx/marketing.conf) with TLS, on its own PostgreSQL database and
a Redis database of its own, under config.production.

Everything lives in one temporary folder and on loopback: a self-signed certificate
made with openssl, collectstatic's output, gunicorn's unix socket, nginx's main
configuration (its pid, logs and temporary files) around the project's own site file,
whose production paths and ports are swapped for the folder's. ``close()`` stops nginx
and gunicorn and drops the database, whatever state the start reached. No systemd.

Needs nginx (Debian's package) and openssl; ``.ci/run`` installs them.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "Deploy-smoke-" + secrets.token_hex(6)

# A user and a record to take a step on, made like the application makes them.
SETUP = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from orders.models import Customer
from samples.models import SampleOrder
from workflows.services import record_start

User = get_user_model()
def person(name, role):
    user = User.objects.create_user(name, f"{name}@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return user
seller = person("deploy_sales", "sales")
person("deploy_assistant", "sales_assistant")
customer = Customer.objects.create(code="DEPLOY1", name="Deploy smoke Ltd.", contact="Ms. Lin")
record = record_start(
    record=SampleOrder(customer=customer, salesperson=seller, created_by=seller,
                       product_name="Smoke sample", quantity=2, requirements="As the card."),
    user=seller,
)
print("RECORD", record.pk, record.get_absolute_url())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Browser:
    """HTTPS to nginx with a cookie jar, trusting only the deployment's certificate."""

    port: int
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, timeout: float = 15
    ) -> Answer:
        conn = http.client.HTTPSConnection(
            "localhost", self.port, context=self.context, timeout=timeout
        )
        headers = {"Accept-Language": "en", "Referer": self.origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, response.headers, text, time.monotonic() - started)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Answer:
        return self.request("POST", path, data, **kwargs)

    def log_in(
        self, username: str, password: str = PASSWORD, path: str = "/accounts/login/"
    ) -> Answer:
        page = self.get(path)
        assert page.status == 200, page.status
        token = csrf_token(page.body)
        data = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        return self.post(path, data)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


class Deployment:
    def __init__(self, folder: Path, database_url: str, redis_url: str, timeout_s: float):
        self.folder = folder
        self.server_url = database_url.rsplit("/", 1)[0]
        self.db_name = f"deploy_smoke_{os.getpid()}_{secrets.token_hex(3)}"
        self.redis_url = redis_url
        self.statement_timeout = timeout_s
        self.https_port = free_port()
        self.http_port = free_port()
        self.socket = folder / "gunicorn.sock"
        self.static = folder / "static"
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.db_created = False
        self.record_pk = 0
        self.record_url = ""
        self.context = ssl.create_default_context()  # trusts the certificate once made

    # --- the parts -------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "config.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": f"{self.server_url}/{self.db_name}",
            "REDIS_URL": self.redis_url,
            "DJANGO_STATIC_ROOT": str(self.static),
            "DJANGO_MEDIA_ROOT": str(self.folder / "media"),
            "SITE_URL": f"https://localhost:{self.https_port}",
            "DJANGO_DB_STATEMENT_TIMEOUT": str(self.statement_timeout),
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "GUNICORN_WORKERS": "2",
            "DJANGO_LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def admin_connection(self) -> psycopg.Connection:
        return psycopg.connect(f"{self.server_url}/postgres", autocommit=True)

    def db_connection(self) -> psycopg.Connection:
        return psycopg.connect(f"{self.server_url}/{self.db_name}")

    def certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost",
             "-keyout", str(self.folder / "key.pem"), "-out", str(self.folder / "cert.pem")],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def site_config(self) -> str:
        """deploy/nginx/marketing.conf with this folder's paths and loopback ports."""
        text = (ROOT / "deploy" / "nginx" / "marketing.conf").read_text()
        swaps = [
            ("unix:/run/marketing/gunicorn.sock", f"unix:{self.socket}"),
            ("/etc/ssl/marketing/fullchain.pem", str(self.folder / "cert.pem")),
            ("/etc/ssl/marketing/privkey.pem", str(self.folder / "key.pem")),
            ("/srv/marketing/staticfiles/", f"{self.static}/"),
            ("server_name marketing.example.com;", "server_name localhost;"),
        ]
        for old, new in swaps:
            assert old in text, f"deploy/nginx/marketing.conf no longer has {old!r}"
            text = text.replace(old, new)
        text, v6 = re.subn(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)
        text, n443 = re.subn(r"listen 443\b", f"listen 127.0.0.1:{self.https_port}", text)
        text, n80 = re.subn(r"listen 80\b", f"listen 127.0.0.1:{self.http_port}", text)
        assert (v6, n443, n80) == (4, 2, 2), (v6, n443, n80)
        return text

    def nginx_config(self) -> Path:
        logs = self.folder / "nginx"
        logs.mkdir()
        user = "user root;\n" if os.geteuid() == 0 else ""
        main = f"""{user}daemon off;
worker_processes 1;
pid {logs}/nginx.pid;
error_log {logs}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {logs}/access.log;
    client_body_temp_path {logs}/body;
    proxy_temp_path {logs}/proxy;
    fastcgi_temp_path {logs}/fastcgi;
    uwsgi_temp_path {logs}/uwsgi;
    scgi_temp_path {logs}/scgi;
    sendfile on;
{self.site_config()}
}}
"""
        path = logs / "nginx.conf"
        path.write_text(main)
        return path

    def start(self) -> None:
        if not os.access(NGINX, os.X_OK):
            raise RuntimeError(f"{NGINX} is missing: apt-get install nginx (or run .ci/run)")
        self.certificate()
        self.context = ssl.create_default_context(cafile=str(self.folder / "cert.pem"))
        with self.admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        # collectstatic alongside migrate: neither needs the other.
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            self.manage("migrate", "--noinput", "-v0")
        finally:
            output, _ = collect.communicate(timeout=120)
        if collect.returncode:
            raise RuntimeError(f"collectstatic failed under config.production:\n{output}")
        # The administrator as the README says to make one, beside the user and record.
        superuser = subprocess.Popen(
            [sys.executable, "manage.py", "createsuperuser", "--noinput",
             "--username", "deploy_admin", "--email", "deploy_admin@example.com"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            out = self.manage("shell", "-c", SETUP.replace("PASSWORD", repr(PASSWORD)))
        finally:
            output, _ = superuser.communicate(timeout=120)
        if superuser.returncode:
            raise RuntimeError(f"createsuperuser failed:\n{output}")
        _, pk, url = re.search(r"RECORD (\d+) (\S+)", out)[0].split()
        self.record_pk, self.record_url = int(pk), url

        self.gunicorn_log = open(self.folder / "gunicorn.log", "w")  # noqa: SIM115
        self.gunicorn = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
             "--bind", f"unix:{self.socket}"],
            cwd=ROOT, env=self.env, stdout=self.gunicorn_log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(self.socket.exists, "gunicorn's socket")
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.nginx_config()),
             "-e", str(self.folder / "nginx" / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: self._listening(self.https_port), "nginx on https", 10)
        if self.nginx.poll() is not None:
            raise RuntimeError(f"nginx stopped: {self.nginx.stderr.read().decode()}")

    def _listening(self, port: int) -> bool:
        if self.nginx is not None and self.nginx.poll() is not None:
            raise RuntimeError(f"nginx stopped: {self.nginx.stderr.read().decode()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def browser(self) -> Browser:
        return Browser(self.https_port, self.context)

    def gunicorn_output(self) -> str:
        self.gunicorn_log.flush()
        return (self.folder / "gunicorn.log").read_text()

    # --- the end, whatever state the start reached -------------------------------------

    @staticmethod
    def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def close(self) -> None:
        errors = []
        for step in (
            lambda: self._stop(self.nginx, signal.SIGQUIT),
            lambda: self._stop(self.gunicorn),
            self._drop_database,
            self._forget_queued_tasks,
        ):
            try:
                step()
            except Exception as error:  # one failed step must not skip the others
                errors.append(error)
        if getattr(self, "gunicorn_log", None):
            self.gunicorn_log.close()
        if errors:
            raise errors[0]

    def _drop_database(self) -> None:
        if self.db_created:
            with self.admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self.db_created = False

    def _forget_queued_tasks(self) -> None:
        # No worker runs here: what the step queued would wait in Redis forever.
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        client.delete("celery")
        client.close()
