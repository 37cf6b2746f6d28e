"""Panels of the home page: apps register one in AppConfig.ready() (the CRM's overdue follow-ups,
…); each panel's context function reads through the user's restricted querysets and returns None
when it has nothing to show to that user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class HomePanel:
    key: str
    template: str  # rendered with `data` = the context function's result
    context: Callable[[Any], dict[str, Any] | None]
    order: int = 100


_panels: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def panels_for(user: Any) -> list[dict[str, Any]]:
    out = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        data = panel.context(user)
        if data is not None:
            out.append({"key": panel.key, "template": panel.template, "data": data})
    return out
