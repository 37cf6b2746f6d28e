"""Process packs: sets of processes an installation starts with, installed by `yewu process install`.

Apps register theirs in `AppConfig.ready` (the default regulation pack here, the procurement
processes in procurement). A pack's install function creates the processes that do not exist yet,
each with its first version published, and leaves existing ones as their administrators made
them; it returns the definitions of all the pack's processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from yewu.workflow.models import ProcessDefinition, ProcessVersion


@dataclass(frozen=True)
class Pack:
    """A named set of processes and the function that installs them."""

    name: str
    label: Any  # lazily translated
    install: Callable[[Any], list[ProcessDefinition]]


@dataclass(frozen=True)
class Installed:
    """What installing one pack did: every process of the pack, and the versions it just created."""

    pack: Pack
    definitions: list[ProcessDefinition]
    new_versions: list[ProcessVersion]


_packs: dict[str, Pack] = {}


def register(name: str, label: Any, install_fn: Callable[[Any], list[ProcessDefinition]]) -> None:
    """Make a pack installable by name (registering a name again replaces it)."""
    _packs[name] = Pack(name, label, install_fn)


def all_packs() -> list[Pack]:
    """The registered packs, in registration order (the order of INSTALLED_APPS)."""
    return list(_packs.values())


def get(name: str) -> Pack | None:
    return _packs.get(name)


def install(names: Iterable[str], *, actor: Any) -> list[Installed]:
    """Install the named packs in order, acting as `actor`; all of them or, on a refusal, none.

    Installing a pack again creates nothing: `new_versions` is empty then."""
    chosen = [_packs[name] for name in names]
    results = []
    with transaction.atomic():
        for pack in chosen:
            last = ProcessVersion.objects.aggregate(last=Max("pk"))["last"] or 0
            found = pack.install(actor)
            new = list(
                ProcessVersion.objects.filter(pk__gt=last, definition__in=[d.pk for d in found])
                .select_related("definition").order_by("pk")
            )
            results.append(Installed(pack, found, new))
    return results
