"""Settings for every environment, read from the environment.

Defaults suit a developer's machine (SQLite, a broker in a local folder,
console email). Production reads its secrets from the environment: see
``config/production.py``.
"""

import datetime as dt
from email.utils import getaddresses
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# config.production sets it: seed_demo refuses to run there unless told to.
PRODUCTION = False
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_fsm_log",
    "simple_history",
    "django_celery_beat",
    "config.apps.AxesConfig",  # django-axes, under its section's name
    "csp",
    "django_ratelimit",
    "accounts",
    "workflows",
    "orders",
    "samples",
    "proposals",
    "research",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Inside the locale and auth middleware, so that its pages are translated.
    "workflows.security.ResponseHardeningMiddleware",
    # Last: turns a login refused by django-axes into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "workflows.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'marketing.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout
    # makes a writer wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workflows:inbox"
LOGOUT_REDIRECT_URL = "login"
# How long a password-reset link stays valid.
PASSWORD_RESET_TIMEOUT = 3 * 60 * 60

# Login protection (django-axes), on the site's and the admin's login alike: after
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# refused for AXES_COOLOFF_TIME after the last attempt (an attempt while locked restarts
# the wait). Locking the pair, not the address, keeps colleagues behind the same office
# address out of it. An administrator unlocks by deleting the row in the admin
# (Axes > Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# The log names the username and the address (an operator needs both); the password
# is always masked.
AXES_SENSITIVE_PARAMETERS: list[str] = []
# Addresses whose X-Real-IP header is believed: the reverse proxy (nginx) in front.
# Anyone else's header is ignored and their own address counts.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")

# Uploads: the engine checks size and content type of every attachment.
WORKFLOW_UPLOAD_MAX_BYTES = env.int("WORKFLOW_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The company on every printout, until the marketing manager keeps its details
# in the admin (workflows.CompanyProfile). "logo" is a static file.
COMPANY = {
    "name_zh": env.str("COMPANY_NAME_ZH", default="本公司"),
    "name_en": env.str("COMPANY_NAME_EN", default="The Company"),
    "address": env.str("COMPANY_ADDRESS", default=""),
    "phone": env.str("COMPANY_PHONE", default=""),
    "logo": env.str("COMPANY_LOGO", default="img/company-logo.svg"),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Response headers (workflows/security.py and django-csp). No inline script or style
# anywhere: templates load static files only (tests/security checks the templates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features no page of the application uses, refused to every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
CSRF_FAILURE_VIEW = "workflows.security.csrf_failure"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="marketing@localhost")
# The SMTP server of DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
# A password-reset email is sent during the request: EMAIL_TIMEOUT bounds the wait.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Where the file-based email backend (DJANGO_EMAIL_BACKEND=...filebased.EmailBackend) writes.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# Where the application is reached, for the links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport
# in var/broker, so that `make run` needs no service.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
# A Redis that accepts the connection and never answers (hung, not down) costs a
# request that queues a task at most about these seconds, connecting and then
# waiting for the answer; the outbox entry waits for the next delivery run. A healthy
# Redis on the same network answers in well under a millisecond. Workers wait for
# tasks with the event loop, which these timeouts do not cut short.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    # A web request that queues a task must not wait out connection
    # retries while Redis is down (about 6 s each); workers reconnect
    # on their own (broker_connection_retry).
    "max_retries": 0,
    "visibility_timeout": 3600,
}
REDIS_TRANSPORT_OPTIONS_CACHE = {
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
else:
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# The cache: Redis when REDIS_URL is set (shared by every worker, so that a
# rate limit counts all of a client's requests), else memory of the process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_TRANSPORT_OPTIONS_CACHE,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-ratelimit counts in the default cache. Django's own RedisCache
# increments atomically (Redis INCR) though the library lists only
# django-redis; a memory cache is per process, good enough for one
# development server and the tests.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
# Requests a client may make to the satisfaction survey's public page.
SURVEY_RATE_LIMIT = env.str("SURVEY_RATE_LIMIT", default="30/m")

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Everything to stderr (gunicorn's and Celery's error log, the journal under systemd).
# Errors of requests (django.request: a 500, with its traceback) also go to ADMINS by
# email when DEBUG is off and ADMINS is set; logins refused by django-axes are warnings
# of the "axes" logger.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Failed logins and lockouts are warnings; successful logins are in the admin.
        "axes": {"level": "WARNING"},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        # Scanners send other Host headers all day: logged, not mailed (nginx's
        # catch-all server refuses most of them first).
        "django.security.DisallowedHost": {
            "handlers": ["console"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
# Who receives the error reports: DJANGO_ADMINS="Ops <ops@example.com>,dev@example.com".
ADMINS = [
    (name or email, email)
    for name, email in getaddresses(env.list("DJANGO_ADMINS", default=[]))
    if email
]
SERVER_EMAIL = env.str("DJANGO_SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

DJANGO_FSM_LOG_STORAGE_METHOD = "django_fsm_log.backends.SimpleBackend"

# Demo data (seed_demo): one user a role, all with this password.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="marketing2026")

WORKFLOW_TITLE = _("Marketing workflows")

# Samples: how many days after delivery the salesperson chases the customer's verdict.
SAMPLE_FEEDBACK_CHASE_DAYS = env.int("SAMPLE_FEEDBACK_CHASE_DAYS", default=7)
# Days after a complaint is closed before the effectiveness check falls due.
COMPLAINT_EFFECTIVENESS_DAYS = env.int("COMPLAINT_EFFECTIVENESS_DAYS", default=30)
