"""Settings under pytest: the project's, with the test processes installed.

``tests/testflows`` is a small process app on which the engine's own tests
run; its models exist only here (``config.settings`` never installs them).
"""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testflows"]
ROOT_URLCONF = "tests.testflows.site_urls"

# Each test process counts in its own memory, whatever REDIS_URL says: a rate
# limit's count never carries from one test (or one run) to the next.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]
