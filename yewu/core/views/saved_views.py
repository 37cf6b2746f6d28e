"""The "Views" menu of every list: save the current filters as a view, delete one's own.

Both answer htmx with the menu re-rendered (the refusal shown in it); without htmx they redirect
back to the list.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yewu.core import saved_views
from yewu.core.errors import DomainError


def menu_context(request, list_key: str, **extra) -> dict:
    """What the menu template needs: the views the user sees on this list."""
    return {
        "list_key": list_key,
        "saved_views": list(saved_views.visible_views(request.user, list_key)),
        **extra,
    }


def _back_to_list(list_key: str, query: str = ""):
    url = reverse(list_key)
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def savedview_add(request):
    """Save the list's current filters (the `query` field) under a name."""
    list_key = request.POST.get("list_key", "")
    if list_key not in saved_views.list_views():
        raise Http404
    name = request.POST.get("name", "")
    try:
        view = saved_views.save_view(
            list_key, name, request.POST.get("query", ""), actor=request.user,
            shared=request.POST.get("shared") in ("on", "true", "1"),
        )
    except DomainError as exc:
        if request.headers.get("HX-Request"):
            return render(request, "core/partials/saved_views_body.html",
                          menu_context(request, list_key, error=exc.message, name=name))
        messages.error(request, exc.message)
        return _back_to_list(list_key)
    if request.headers.get("HX-Request"):
        return render(request, "core/partials/saved_views_body.html",
                      menu_context(request, list_key, saved=view))
    messages.success(request, _("View %(name)s saved.") % {"name": view.name})
    return _back_to_list(list_key, view.query)


@login_required
@require_POST
def savedview_delete(request, pk: int):
    """Delete one of the user's own views (others' shared views are refused)."""
    view = saved_views.visible_views(request.user).filter(pk=pk).first()
    if view is None:
        raise Http404
    error = ""
    try:
        saved_views.delete_view(view, actor=request.user)
    except DomainError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        return render(request, "core/partials/saved_views_body.html", menu_context(request, view.list_key, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("View %(name)s deleted.") % {"name": view.name})
    return _back_to_list(view.list_key)
