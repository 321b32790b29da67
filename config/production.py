"""Production mode: everything secret or host-specific must come from the environment.

The application runs under gunicorn behind nginx (``deploy/``): nginx terminates TLS,
buffers whole requests and sets ``X-Forwarded-Proto`` and ``X-Real-IP``; gunicorn
listens on a unix socket (or loopback) only and believes those headers from nginx
alone (``forwarded_allow_ips``).
"""

from .settings import *  # noqa: F403
from .settings import DATABASES, STORAGES, env

DEBUG = False
PRODUCTION = True
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Stuck queries fail fast. A web request's statement (a lock wait included) is
# cancelled after DJANGO_DB_STATEMENT_TIMEOUT seconds: the user gets the error page and
# the error is logged, instead of every gunicorn worker waiting on one lock. Celery
# workers, beat and management commands (migrate, ...) do longer work: config.dbtimeouts
# gives their connections DJANGO_DB_LONG_STATEMENT_TIMEOUT (0: none).
DB_STATEMENT_TIMEOUT_MS = round(env.float("DJANGO_DB_STATEMENT_TIMEOUT", default=5) * 1000)
DB_LONG_STATEMENT_TIMEOUT_MS = round(
    env.float("DJANGO_DB_LONG_STATEMENT_TIMEOUT", default=600) * 1000
)
# Persistent connections: a gunicorn worker keeps its connection for
# DJANGO_CONN_MAX_AGE seconds (0: a new one per request, as Django's default) instead
# of opening one for every request; a connection found broken at a request's start is
# replaced. The statement timeouts above are set per connection, when it is opened, so
# they hold for its whole life.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # A DATABASE_URL's own ?options=-c statement_timeout=... wins.
    if "statement_timeout" not in _options.get("options", ""):
        _options["options"] = (
            _options.get("options", "") + f" -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
        ).strip()
    _options.setdefault("connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5))
