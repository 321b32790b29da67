import os
from typing import Any

from celery import Celery
from celery.signals import beat_init, celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("marketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
@beat_init.connect
def _long_statement_timeout(**kwargs: Any) -> None:
    # A task may run longer statements than a web request (config/dbtimeouts.py).
    from .dbtimeouts import use_long_statement_timeout

    use_long_statement_timeout()
