"""Demo data loaders: each app registers one; `yewu demo` runs them in order, idempotently."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator

_loaders: list[tuple[int, str, Callable[[], dict]]] = []


def register(order: int, name: str, loader: Callable[[], dict]) -> None:
    if all(n != name for _o, n, _l in _loaders):
        _loaders.append((order, name, loader))


def load_all() -> dict[str, dict]:
    from yewu.org import demo as org_demo

    results = {"org": org_demo.load()}
    for _order, name, loader in sorted(_loaders):
        results[name] = loader()
    return results


@contextlib.contextmanager
def clock(now: list[datetime.datetime]) -> Iterator[None]:
    """Make django.utils.timezone.now() return now[0] while a loader tells its story "in the past":
    records, audit events, approvals and notifications get the story's times, in the order things
    happened. The loader moves now[0] forward as it goes. Loaders are single-threaded."""
    from django.utils import timezone

    real = timezone.now
    timezone.now = lambda: now[0]
    try:
        yield
    finally:
        timezone.now = real
