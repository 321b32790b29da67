"""gunicorn in production: behind nginx (deploy/nginx/marketing.conf), never on the network.

    gunicorn --config deploy/gunicorn.conf.py

It listens on a unix socket that only nginx may open (the service's group is
nginx's, umask 007). nginx reads every request whole before passing it on, so a
slow client never holds one of these workers; ``timeout`` only bounds a request
that is slow inside the application (the database's statement timeout, 5 s,
comes first).
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "unix:/run/marketing/gunicorn.sock")]
umask = 0o007
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# A worker is replaced now and then, so that a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
# X-Forwarded-Proto and X-Forwarded-For are believed from nginx only: over the unix
# socket (gunicorn trusts it: only nginx can open it) or from loopback, if bound there.
forwarded_allow_ips = "127.0.0.1,::1"
# gunicorn's control socket (for gunicornc) is not used; it would sit in $HOME.
control_socket_disable = True
# Logs to stderr: the journal under systemd.
accesslog = "-"
errorlog = "-"
loglevel = "info"
