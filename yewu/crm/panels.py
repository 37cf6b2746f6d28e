"""The customer page's seams: later modules (sales orders and opportunities, complaints, surveys,
loyalty) register a panel here in their AppConfig.ready(); the page shows each panel that has
something for the customer, read through the user's restricted querysets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class CustomerPanel:
    key: str
    label: Any
    template: str  # rendered with the context returned by `context`
    context: Callable[[Any, Any], dict[str, Any] | None]  # (customer, user) -> context, None: nothing to show
    order: int = 100


_panels: dict[str, CustomerPanel] = {}


def register(panel: CustomerPanel) -> None:
    _panels[panel.key] = panel


def panels_for(customer: Any, user: Any) -> list[dict[str, Any]]:
    out = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        ctx = panel.context(customer, user)
        if ctx is not None:
            out.append({"key": panel.key, "label": panel.label, "template": panel.template, "context": ctx})
    return out
