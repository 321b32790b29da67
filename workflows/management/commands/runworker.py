"""`make run`: the development server and a Celery worker (with beat) that stop together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WORKER = [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "-l", "info"]


def _die_with_parent() -> None:
    # Linux: the worker gets SIGTERM if this process is killed outright (SIGKILL),
    # so that no orphan worker keeps consuming the queue.
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Command(BaseCommand):
    help = (
        "Run the development server and a Celery worker with embedded beat. "
        "Ctrl-C stops both; if the worker exits, the server stops too."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload", action="store_true", help="Do not restart the server on code changes."
        )

    def handle(self, *args: Any, addrport: str, noreload: bool, **options: Any) -> None:
        if os.environ.get("RUN_MAIN") == "true":
            # The autoreloader's child process: its parent already runs the worker.
            call_command("runserver", addrport, use_reloader=True)
            return
        # Its own session: Ctrl-C reaches only this process, which then stops the
        # worker once, in order (a second signal would make Celery cut tasks short).
        worker = subprocess.Popen(
            WORKER,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        stopping = threading.Event()
        crashed = threading.Event()

        def watch() -> None:
            worker.wait()
            if not stopping.is_set():
                crashed.set()
                os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=watch, daemon=True).start()
        try:
            call_command("runserver", addrport, use_reloader=not noreload)
        except KeyboardInterrupt:
            pass
        finally:
            stopping.set()
            self._stop(worker)
        if crashed.is_set():
            raise CommandError(f"The Celery worker exited with code {worker.returncode}.")

    def _stop(self, worker: subprocess.Popen) -> None:
        try:
            if worker.poll() is None:
                self.stdout.write("Stopping the Celery worker…")
                worker.terminate()  # a warm shutdown: running tasks finish
                worker.wait(timeout=20)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            worker.kill()
            worker.wait()
