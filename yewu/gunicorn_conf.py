"""Gunicorn settings for `yewu serve` (used as `gunicorn -c python:yewu.gunicorn_conf`).

Every value comes from the environment so that `yewu serve` and a hand-written systemd unit
behave the same:

  YEWU_BIND                  address to listen on (default 127.0.0.1:8000)
  YEWU_WEB_WORKERS           worker processes (default 1: one process is enough for an SME
                             and keeps memory low; raise it on PostgreSQL for more CPU)
  YEWU_WEB_THREADS           threads per worker (gthread worker, default 8)
  YEWU_WEB_TIMEOUT           seconds before a silent worker is restarted (default 60)
  YEWU_WEB_MAX_REQUESTS      restart a worker after this many requests (default 0: never)
  YEWU_FORWARDED_ALLOW_IPS   proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)
  YEWU_ACCESS_LOG            "-" for stdout (default), a file path, or "" to switch it off
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = [os.environ.get("YEWU_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = max(1, _int("YEWU_WEB_WORKERS", 1))
threads = max(1, _int("YEWU_WEB_THREADS", 8))
timeout = _int("YEWU_WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _int("YEWU_WEB_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10 if max_requests else 0
# The master only supervises; Django is imported in the worker, which keeps the master small.
preload_app = False
forwarded_allow_ips = os.environ.get("YEWU_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("YEWU_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("YEWU_WEB_LOG_LEVEL", "info")
proc_name = "yewu"
wsgi_app = "yewu.wsgi:application"
# Heartbeat files in memory rather than on a possibly slow disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# No runtime control socket (gunicorn >= 25): one fixed path per user would clash between sites.
control_socket_disable = True
