"""Settings under pytest: the project's, with the test processes installed.

``tests/testflows`` is a small process app on which the engine's own tests
run; its models exist only here (``config.settings`` never installs them).
"""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testflows"]
ROOT_URLCONF = "tests.testflows.site_urls"
