"""Roles (Django groups) grant model actions with a data scope; this module answers what a user may do."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.db.models import Q

from yewu.core.errors import CoreError, DomainError
from yewu.core.querysets import RestrictedQuerySet
from yewu.core.scopes import SCOPE_RANK, Scope

_CACHE_ATTR = "_yewu_grants"


def perm_name(model: type[models.Model], action: str) -> str:
    """The permission name for an action on a model, e.g. org.view_department, org.approve_delegation."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def grants_of(user: Any) -> dict[str, set[str]]:
    """Map of permission name -> scopes granted to the user through their roles (cached per user object)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from yewu.core.models import Grant

    result: dict[str, set[str]] = defaultdict(set)
    rows = Grant.objects.filter(role__user=user).values_list(
        "permission__content_type__app_label", "permission__codename", "scope"
    )
    for app_label, codename, scope in rows:
        result[f"{app_label}.{codename}"].add(scope)
    result = dict(result)
    setattr(user, _CACHE_ATTR, result)
    return result


def clear_cache(user: Any) -> None:
    for attr in (_CACHE_ATTR, "_yewu_departments", "_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def scopes_for(user: Any, model: type[models.Model], action: str) -> set[str]:
    if user.is_superuser:
        return {Scope.ALL}
    return grants_of(user).get(perm_name(model, action), set())


def widest_scope(user: Any, model: type[models.Model], action: str) -> str | None:
    scopes = scopes_for(user, model, action)
    return max(scopes, key=lambda s: SCOPE_RANK[s]) if scopes else None


def departments_of(user: Any) -> list[Any]:
    """The user's departments: the primary one plus those of part-time positions."""
    cached = getattr(user, "_yewu_departments", None)
    if cached is not None:
        return cached
    from yewu.org.models import Department

    depts = list(
        Department.objects.filter(
            Q(employees__user=user) | Q(part_time_positions__employee__user=user)
        ).distinct()
    )
    user._yewu_departments = depts
    return depts


def scope_q(user: Any, model: type[models.Model], action: str) -> Q | bool | None:
    """True: everything; None: nothing; otherwise the Q that selects what the user may act on."""
    scopes = scopes_for(user, model, action)
    if not scopes:
        return None
    if Scope.ALL in scopes:
        return True
    depts = departments_of(user)
    qs = [q for s in scopes if (q := model.scope_filter(s, user, depts)) is not None]
    if not qs:
        return None
    combined = qs[0]
    for q in qs[1:]:
        combined |= q
    return combined


def can(user: Any, action: str, obj: models.Model) -> bool:
    """May `user` do `action` on this particular object? As the model's restricted queryset says:
    a grant whose scope reaches the object (and whatever else the model admits, see restrict)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    queryset = type(obj)._default_manager.all()
    if getattr(type(queryset), "restrict", None) is RestrictedQuerySet.restrict and scope_q(user, type(obj), action) is True:
        return True  # a grant on every row, and the model admits no one else: nothing to look up
    return queryset.restrict(user, action).filter(pk=obj.pk).exists()


def can_model(user: Any, action: str, model: type[models.Model]) -> bool:
    """May `user` do `action` on at least some rows of this model (e.g. create, export)?"""
    return bool(user.is_authenticated and user.is_active and scopes_for(user, model, action))


def require(user: Any, action: str, obj_or_model: Any) -> None:
    """Raise DomainError unless the user may act; used by services, so every path is guarded."""
    if isinstance(obj_or_model, type):
        if not can_model(user, action, obj_or_model):
            raise DomainError(CoreError.PERMISSION_DENIED)
        return
    # An existing record: its restricted queryset decides (a model may let in people a role does
    # not name, e.g. the participants of an approval); the grant only picks the refusal's wording.
    if obj_or_model.pk is not None and can(user, action, obj_or_model):
        return
    if not can_model(user, action, type(obj_or_model)):
        raise DomainError(CoreError.PERMISSION_DENIED)
    if obj_or_model.pk is not None:
        raise DomainError(CoreError.OUT_OF_SCOPE)


class GrantBackend(ModelBackend):
    """Authentication as usual; permissions come only from role grants (never direct user perms)."""

    def _get_user_permissions(self, user_obj: Any) -> set:  # type: ignore[override]
        from django.contrib.auth.models import Permission

        return Permission.objects.none()

    def _get_group_permissions(self, user_obj: Any) -> Any:  # type: ignore[override]
        from django.contrib.auth.models import Permission

        return Permission.objects.filter(grants__role__user=user_obj)


def require_new(user: Any, action: str, model: type[models.Model], *, owner: Any = None, department: Any = None) -> None:
    """Refuse unless a new record owned by `owner` in `department` would fall inside the user's scope."""
    scopes = scopes_for(user, model, action) if user.is_authenticated and user.is_active else set()
    if not scopes:
        raise DomainError(CoreError.PERMISSION_DENIED)
    if Scope.ALL in scopes:
        return
    if owner is not None and getattr(owner, "pk", owner) == user.pk:
        return
    if department is not None and scopes & {Scope.DEPARTMENT, Scope.SUBTREE}:
        depts = departments_of(user)
        if Scope.DEPARTMENT in scopes and department.pk in {d.pk for d in depts}:
            return
        if Scope.SUBTREE in scopes and any(department.path.startswith(d.path) for d in depts):
            return
    raise DomainError(CoreError.OUT_OF_SCOPE)
