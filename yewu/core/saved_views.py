"""Saved views on every list: save, rename, share and delete a user's named filters.

A list is a generic ObjectListView route; its key is the route's URL name ("org:employee_list").
A view stores the list's query string, normalized: only parameters the list's filterset knows,
without paging or export parameters and empty values. Applying a view is opening the list with
that query string, so the restricted queryset decides what anyone sees, whoever saved the view.
Shared views are visible to everyone who holds a grant to view the list's records.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.forms import MultiWidget
from django.http import QueryDict
from django.urls import URLResolver, get_resolver

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import CoreError, DomainError
from yewu.core.models import SavedView

NAME_MAX = 60
QUERY_MAX = 2000
VIEWS_PER_LIST = 50
#: Parameters of a list's page rather than of its filters: dropped, never saved.
IGNORED_PARAMS = frozenset({"page", "export"})


# --- the lists -----------------------------------------------------------------------------------


@functools.cache
def list_views() -> dict[str, type]:
    """{URL name: view class} of every generic list route (found in the URLconf once per process)."""
    from yewu.core.views.generic import ObjectListView

    found: dict[str, type] = {}

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(n for n in (namespace, p.namespace) if n) or None
                walk(p.url_patterns, inner)
                continue
            view_class = getattr(p.callback, "view_class", None)
            takes_no_arguments = p.pattern.regex.groups == 0
            if p.name and view_class is not None and issubclass(view_class, ObjectListView) and takes_no_arguments:
                found[f"{namespace}:{p.name}" if namespace else p.name] = view_class

    walk(get_resolver().url_patterns, None)
    return found


@functools.cache
def filter_params(list_key: str) -> frozenset[str]:
    """The query parameters the list's filterset reads (a range filter reads several)."""
    view_class = list_views()[list_key]
    if view_class.filterset_class is None:
        return frozenset()
    filterset = view_class.filterset_class(None, queryset=view_class.model._default_manager.none(), request=None)
    names: set[str] = set()
    for name, field in filterset.form.fields.items():
        widget = field.widget
        if isinstance(widget, MultiWidget):
            names.update(f"{name}{suffix}" for suffix in widget.widgets_names)
        else:
            names.add(name)
    return frozenset(names)


def can_see_list(user: Any, list_key: str) -> bool:
    """May `user` see the list's records at all (a grant of any scope on them)?"""
    view_class = list_views().get(list_key)
    if view_class is None:
        return False
    return permissions.can_model(user, view_class.action, view_class.model)


def normalize_query(list_key: str, query: str) -> str:
    """The query string as a view stores it; refuses parameters the list's filterset does not know."""
    if len(query) > 4 * QUERY_MAX:  # before parsing: a query string far too long to keep anyway
        raise DomainError(CoreError.SAVED_VIEW_QUERY_TOO_LONG, limit=QUERY_MAX)
    data = QueryDict(query.lstrip("?"), mutable=True)
    for name in IGNORED_PARAMS:
        data.pop(name, None)
    kept = [(k, v) for k in sorted(data) for v in data.getlist(k) if v.strip()]
    unknown = sorted({k for k, _v in kept} - filter_params(list_key))
    if unknown:
        raise DomainError(CoreError.SAVED_VIEW_UNKNOWN_FILTER, params=", ".join(unknown))
    normalized = QueryDict(mutable=True)
    for key, value in kept:
        normalized.appendlist(key, value)
    text = normalized.urlencode()
    if len(text) > QUERY_MAX:
        raise DomainError(CoreError.SAVED_VIEW_QUERY_TOO_LONG, limit=QUERY_MAX)
    return text


def visible_views(user: Any, list_key: str | None = None) -> QuerySet[SavedView]:
    """The user's own views and the shared views of the lists they may see (of one list, if given)."""
    if not user.is_authenticated or not user.is_active:
        return SavedView.objects.none()
    views = SavedView.objects.select_related("owner")
    if list_key is not None:
        views = views.filter(list_key=list_key)
        shared_keys = [list_key] if can_see_list(user, list_key) else []
    else:
        keys = SavedView.objects.filter(shared=True).values_list("list_key", flat=True).distinct()
        shared_keys = [k for k in keys if can_see_list(user, k)]
    return views.filter(Q(owner=user) | Q(shared=True, list_key__in=shared_keys))


# --- services ------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(CoreError.SAVED_VIEW_NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise DomainError(CoreError.SAVED_VIEW_NAME_TOO_LONG, limit=NAME_MAX)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise DomainError(CoreError.SAVED_VIEW_NAME_INVALID)
    return name


def _lock_owner(actor: Any) -> None:
    """One user's saves one after another, so that the per-list limit holds under concurrency."""
    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))


def _locked_own(view: SavedView, actor: Any) -> SavedView:
    locked = SavedView.objects.select_for_update().filter(pk=view.pk).first()
    if locked is None:
        raise DomainError(CoreError.OUT_OF_SCOPE)
    if locked.owner_id != actor.pk:
        raise DomainError(CoreError.SAVED_VIEW_NOT_OWNER)
    return locked


def _insert(view: SavedView) -> None:
    """Save a new or renamed view; a name taken meanwhile is refused like one taken before."""
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as exc:
        raise DomainError(CoreError.SAVED_VIEW_NAME_TAKEN, name=view.name) from exc


@transaction.atomic
def save_view(list_key: str, name: str, query: str, *, actor: Any, shared: bool = False) -> SavedView:
    """Save the list's filters as the actor's view named `name` (private unless `shared`)."""
    if list_key not in list_views():
        raise DomainError(CoreError.SAVED_VIEW_UNKNOWN_LIST, list=list_key)
    if not can_see_list(actor, list_key):
        raise DomainError(CoreError.PERMISSION_DENIED)
    name = _clean_name(name)
    query = normalize_query(list_key, query or "")
    _lock_owner(actor)
    own = SavedView.objects.filter(owner=actor, list_key=list_key)
    if own.filter(name=name).exists():
        raise DomainError(CoreError.SAVED_VIEW_NAME_TAKEN, name=name)
    if own.count() >= VIEWS_PER_LIST:
        raise DomainError(CoreError.SAVED_VIEW_LIMIT, limit=VIEWS_PER_LIST)
    view = SavedView(owner=actor, list_key=list_key, name=name, query=query, shared=bool(shared))
    _insert(view)
    record_event(view, "saved_view.created", actor=actor, data={
        "list": list_key, "name": name, "query": query, "shared": view.shared})
    return view


@transaction.atomic
def rename_view(view: SavedView, name: str, *, actor: Any) -> SavedView:
    """Give the actor's own view another name."""
    view = _locked_own(view, actor)
    name = _clean_name(name)
    if name == view.name:
        return view
    if SavedView.objects.filter(owner=actor, list_key=view.list_key, name=name).exists():
        raise DomainError(CoreError.SAVED_VIEW_NAME_TAKEN, name=name)
    before = view.name
    view.name = name
    _insert(view)
    record_event(view, "saved_view.renamed", actor=actor, data={"name": [before, name]})
    return view


@transaction.atomic
def share_view(view: SavedView, shared: bool, *, actor: Any) -> SavedView:
    """Share the actor's own view with everyone who may see the list, or make it private again."""
    view = _locked_own(view, actor)
    if view.shared == bool(shared):
        return view
    view.shared = bool(shared)
    view.save(update_fields=["shared"])
    record_event(view, "saved_view.shared" if view.shared else "saved_view.unshared", actor=actor,
                 data={"shared": [not view.shared, view.shared]})
    return view


@transaction.atomic
def delete_view(view: SavedView, *, actor: Any) -> None:
    """Delete the actor's own view; its audit trail stays."""
    view = _locked_own(view, actor)
    record_event(view, "saved_view.deleted", actor=actor, data={
        "list": view.list_key, "name": view.name, "query": view.query, "shared": view.shared})
    view.delete()
