"""`yewu serve`: migrate, collect static files, then run Yewu under gunicorn (gthread worker)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def add_server_arguments(parser) -> None:
    parser.add_argument("--host", default=os.environ.get("YEWU_HOST", "127.0.0.1"),
                        help="Address to listen on (default: %(default)s; 0.0.0.0 for all interfaces).")
    parser.add_argument("--port", type=int, default=int(os.environ.get("YEWU_PORT", "8000")),
                        help="Port to listen on (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=None,
                        help="Worker processes (default: YEWU_WEB_WORKERS or 1).")
    parser.add_argument("--threads", type=int, default=None,
                        help="Threads per worker (default: YEWU_WEB_THREADS or 8).")


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def public_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", "[::]", ""):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {bind_address(host, port)}: {exc.strerror or exc}. "
                "Is Yewu (or something else) already running there? Choose another --port."
            ) from exc


def prepare(stdout, *, migrate: bool = True) -> None:
    """Bring the database schema and the collected static files up to date."""
    if migrate:
        stdout.write("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
    stdout.write(f"Collecting static files into {settings.STATIC_ROOT}…")
    call_command("collectstatic", interactive=False, verbosity=0)


def exec_gunicorn(stdout, *, host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Replace this process with gunicorn (so signals from systemd or Ctrl+C reach it directly)."""
    check_port_free(host, port)
    env = os.environ.copy()
    env["YEWU_BIND"] = bind_address(host, port)
    if workers is not None:
        env["YEWU_WEB_WORKERS"] = str(workers)
    if threads is not None:
        env["YEWU_WEB_THREADS"] = str(threads)
    env.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
    # Make the worker import the same Yewu code as this command, installed or from a checkout.
    package_parent = str(Path(__file__).resolve().parents[4])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:yewu.gunicorn_conf",
            "yewu.wsgi:application"]
    shown_workers = env.get("YEWU_WEB_WORKERS", "1")
    shown_threads = env.get("YEWU_WEB_THREADS", "8")
    stdout.write(
        f"Starting gunicorn on {env['YEWU_BIND']} ({shown_workers} worker(s) × {shown_threads} threads). "
        "Stop with Ctrl+C."
    )
    stdout.write(f"Yewu is running at {public_url(host, port)}")
    if host in ("0.0.0.0", "::", "[::]") and settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        stdout.write(
            "Listening on all interfaces: add this machine's name or address to YEWU_ALLOWED_HOSTS "
            f"(now: {', '.join(settings.ALLOWED_HOSTS)})."
        )
    stdout.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    connections.close_all()
    os.execve(sys.executable, argv, env)


class Command(BaseCommand):
    help = "Migrate, collect static files and run Yewu under gunicorn (production web server)."
    requires_system_checks = []

    def add_arguments(self, parser):
        add_server_arguments(parser)
        parser.add_argument("--no-migrate", action="store_true",
                            help="Do not apply database migrations first.")

    def handle(self, *args, host, port, workers, threads, no_migrate, **options):
        self.check(display_num_errors=False)
        prepare(self.stdout, migrate=not no_migrate)
        exec_gunicorn(self.stdout, host=host, port=port, workers=workers, threads=threads)
