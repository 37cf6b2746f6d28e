"""Base viewsets: every API queryset comes from the restricted path; writes go through services."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import mixins, viewsets
from rest_framework.permissions import BasePermission

from yewu.core.permissions import can_model

_ACTIONS = {
    "list": "view", "retrieve": "view", "create": "add", "update": "change",
    "partial_update": "change", "destroy": "delete",
}


class GrantPermission(BasePermission):
    """The user needs a grant for the model action; the object scope is enforced by the queryset."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        action = getattr(view, "grant_action", None) or _ACTIONS.get(getattr(view, "action", None), "view")
        return can_model(request.user, action, view.queryset.model)


class ScopedViewSet(viewsets.GenericViewSet):
    """Lists and details read `Model.objects.restrict(user, action)`; nothing else."""

    permission_classes = [GrantPermission]
    queryset: models.QuerySet[Any]

    def scope_action(self) -> str:
        return getattr(self, "grant_action", None) or _ACTIONS.get(self.action, "view")

    def get_queryset(self):
        return self.queryset.model.objects.restrict(self.request.user, self.scope_action()).select_related(
            *getattr(self, "select_related", ())
        ).order_by(*self.queryset.query.order_by or self.queryset.model._meta.ordering or ["pk"])


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass
