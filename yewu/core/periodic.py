"""Periodic jobs the worker runs every round (timers, reminders, escalations); apps register theirs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import close_old_connections

log = logging.getLogger(__name__)

_jobs: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    _jobs[name] = job


def run_all() -> dict[str, object]:
    """Run every registered job; one failing job is logged and does not stop the others."""
    results: dict[str, object] = {}
    for name, job in list(_jobs.items()):
        try:
            results[name] = job()
        except Exception:  # keep the worker alive; the next round tries again
            log.exception("Periodic job %s failed", name)
            close_old_connections()
            results[name] = None
    return results
