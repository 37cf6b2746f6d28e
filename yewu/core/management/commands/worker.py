"""`yewu worker`: run queued background tasks (django-tasks-db), send the e-mail and IM copies of
notifications (the outbox), and seal audit events periodically.

Stops cleanly on SIGTERM / SIGINT: a running task or seal is finished first; a second signal
stops at once. `--once` processes what is queued, seals once, and exits (for tests and scripts).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_backend_name,
    valid_interval,
)
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from yewu.core import periodic
from yewu.core.management.commands.audit import seal_now
from yewu.core.runtime import settle
from yewu.core.tasks import deliver_pending

logger = logging.getLogger("yewu.worker")


class SealingWorker(Worker):
    def __init__(self, *, seal_interval: float, once: bool, stdout, **kwargs):
        super().__init__(**kwargs)
        self.seal_interval = seal_interval
        self.once = once
        self.out = stdout
        self.wake = threading.Event()
        self.busy = False

    # -- signals: finish the current task or seal, then stop; a second signal stops at once --
    def shutdown(self, signum, frame):  # noqa: ARG002
        if not self.running:
            raise SystemExit(1)
        self.out.write(f"Received {signal.strsignal(signum)}: stopping after the current step…")
        self.running = False
        self.wake.set()

    def claim_next(self) -> tuple[DBTaskResult | None, bool]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                return task_result, True
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return None, False
                raise

    def deliver(self) -> int:
        """Send the e-mail and IM copies waiting in the notification outbox (a batch per round)."""
        try:
            return deliver_pending()
        except Exception:  # keep the worker alive; the next round tries again
            logger.exception("Delivering notifications failed")
            close_old_connections()
            return 0

    def seal(self) -> None:
        try:
            seal = seal_now()
        except Exception:  # keep the worker alive; the next round tries again
            logger.exception("Sealing audit events failed")
            close_old_connections()
            return
        if seal is not None:
            self.out.write(f"Sealed {seal.count} audit events (ids {seal.first_event_id}–{seal.last_event_id}).")
        # Time limits, reminders, escalations and process timers of the registered apps.
        for name, result in periodic.run_all().items():
            if result:
                self.out.write(f"{name}: {result}")

    def run(self) -> None:
        self.out.write(
            f"Yewu worker {self.worker_id[:8]} started (queues: {','.join(self.queue_names)}; "
            f"sealing every {self.seal_interval:g} s)." if self.seal_interval else
            f"Yewu worker {self.worker_id[:8]} started (queues: {','.join(self.queue_names)}; sealing off)."
        )
        if not self.once:
            settle()  # a long-running process: keep start-up objects out of the collector's way
        if self.startup_delay and self.interval and not self.once:
            self.wake.wait(random.random())  # noqa: S311 (spread out workers that start together)
        next_seal = time.monotonic()
        while self.running:
            close_old_connections()
            if not self.once and self.seal_interval and time.monotonic() >= next_seal:
                self.seal()
                next_seal = time.monotonic() + self.seal_interval
                continue
            if self.deliver():
                continue
            task_result, retrieved = self.claim_next()
            if task_result is not None:
                self.run_task(task_result)
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    break
                continue
            if self.once and retrieved:
                if self.seal_interval:
                    self.seal()
                break
            close_old_connections()
            if self.running:
                wait = self.interval
                if self.seal_interval and not self.once:
                    wait = max(0.0, min(wait, next_seal - time.monotonic()))
                self.wake.wait(wait)
        self.out.write(f"Yewu worker {self.worker_id[:8]} stopped after {self._run_tasks} task(s).")


class Command(BaseCommand):
    help = "Run background tasks and seal audit events every minute. Stops cleanly on SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*",
                            help="Queues to process, comma-separated; * for all (default: %(default)s).")
        parser.add_argument("--interval", type=valid_interval, default=1.0,
                            help="Seconds between polls of an empty queue (default: %(default)s).")
        parser.add_argument(
            "--seal-interval", type=valid_interval,
            default=valid_interval(os.environ.get("YEWU_SEAL_INTERVAL", "60")),
            help="Seconds between audit seals; 0 switches sealing off (default: YEWU_SEAL_INTERVAL or 60).",
        )
        parser.add_argument("--once", action="store_true",
                            help="Process what is queued, seal once, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None,
                            help="Exit after running this many tasks.")
        parser.add_argument("--backend", dest="backend_name", type=valid_backend_name, default="default",
                            help="Task backend (default: %(default)s).")
        parser.add_argument("--worker-id", default=None,
                            help="Unique id of this worker (default: random).")

    def handle(self, *args, queue_name, interval, seal_interval, once, max_tasks, backend_name,
               worker_id, **options):
        verbosity = options.get("verbosity", 1)
        level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        for name in ("django_tasks", "django_tasks_db", "yewu.worker"):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.hasHandlers():
                log.addHandler(logging.StreamHandler(self.stdout))
        worker = SealingWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=once,
            backend_name=backend_name,
            startup_delay=True,
            max_tasks=max_tasks,
            worker_id=(worker_id or get_random_string(32))[:64],
            excluded_queue_names=[],
            seal_interval=seal_interval,
            once=once,
            stdout=self.stdout,
        )
        # Signal handlers can only be set in the main thread; put the previous ones back afterwards.
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, worker.shutdown)
        try:
            worker.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
