"""Demo data loaders: each app registers one; `yewu demo` runs them in order, idempotently."""

from __future__ import annotations

from collections.abc import Callable

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
