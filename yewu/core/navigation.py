"""The module navigation: each app registers its menu entries in AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse


@dataclass
class MenuItem:
    label: Any
    url_name: str
    perm: str | None = None  # "app.action_model": shown only when the user holds a grant for it

    def visible_to(self, user: Any) -> bool:
        if self.perm is None:
            return True
        from yewu.core.permissions import grants_of

        return user.is_superuser or self.perm in grants_of(user)


@dataclass
class Module:
    key: str
    label: Any
    icon: str
    items: list[MenuItem] = field(default_factory=list)
    order: int = 100


_registry: dict[str, Module] = {}


def register(module: Module) -> None:
    _registry[module.key] = module


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    out = []
    for module in sorted(_registry.values(), key=lambda m: m.order):
        items = []
        for item in module.items:
            if not item.visible_to(user):
                continue
            url = reverse(item.url_name)
            items.append({"label": item.label, "url": url, "active": current_path.startswith(url) and url != "/"})
        if items:
            out.append(
                {"key": module.key, "label": module.label, "icon": module.icon, "items": items,
                 "active": any(i["active"] for i in items)}
            )
    return out


@dataclass
class Searchable:
    model: Any
    fields: tuple[str, ...]
    label: Any


_search: list[Searchable] = []


def register_search(model: Any, fields: tuple[str, ...], label: Any) -> None:
    _search.append(Searchable(model, fields, label))


def searchables() -> list[Searchable]:
    return list(_search)
