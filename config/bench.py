"""Settings of ``make bench-web`` only: ``config.production`` with the benchmark's
floor, a bare view behind login (``config.bench_urls``), and a broker folder of its
own so that what the measured requests queue never reaches a real worker.

Never used in production: ``config.production`` routes ``config.urls``, where the
bare view does not exist.
"""

from .production import *  # noqa: F403
from .production import VAR_DIR

ROOT_URLCONF = "config.bench_urls"

BENCH_DIR = VAR_DIR / "bench_web"
BROKER_DIR = BENCH_DIR / "broker"
for _sub in ("out", "processed", "control"):
    (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "out"),
    "data_folder_out": str(BROKER_DIR / "out"),
    "processed_folder": str(BROKER_DIR / "processed"),
    "control_folder": str(BROKER_DIR / "control"),
    "store_processed": False,
}
