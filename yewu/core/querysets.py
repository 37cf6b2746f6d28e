"""The one restricted queryset path: every list, detail, search, export and API endpoint uses it."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from yewu.core.scopes import Scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: AbstractBaseUser | AnonymousUser, action: str = "view") -> RestrictedQuerySet:
        """Only the rows `user` may `action` (view, change, delete, approve, export, ...)."""
        from yewu.core.permissions import scope_q

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = scope_q(user, self.model, action)
        if q is None:
            return self.none()
        if q is True:
            return self.all()
        return self.filter(q).distinct() if _needs_distinct(self.model) else self.filter(q)


def _needs_distinct(model: type[models.Model]) -> bool:
    fields = (getattr(model, "scope_owner_field", None), getattr(model, "scope_department_field", None))
    return any(f and "__" in f and f.split("__")[0] in _many_names(model) for f in fields)


def _many_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields() if f.many_to_many or f.one_to_many}


def any_of(qs: list[Q]) -> Q | None:
    return reduce(or_, qs) if qs else None


class ScopeMixin:
    """How a model's rows map to data scopes.

    `scope_owner_field` is the lookup to the owning user (None when records have no owner);
    `scope_department_field` the lookup to the owning department ("self" for Department itself,
    None for company-wide reference data, reachable only with the "all" scope).
    """

    scope_owner_field: str | None = None
    scope_department_field: str | None = None
    #: The action needed to add files to a record (core.services.add_attachment); a model whose
    #: restricted queryset admits more people for attachments names its own action there.
    attachment_action: str = "change"

    @classmethod
    def scope_filter(cls, scope: str, user: Any, departments: list[Any]) -> Q | None:
        """The Q for one scope; None means the scope gives nothing for this model."""
        owner = cls.scope_owner_field
        dept = cls.scope_department_field
        own_q = Q(**{owner: user}) if owner else None
        if scope == Scope.ALL:
            return Q()
        if scope == Scope.OWN:
            return own_q
        if dept is None or not departments:
            return own_q
        if dept == "self":
            id_lookup, path_lookup = "pk__in", "path__startswith"
        else:
            id_lookup, path_lookup = f"{dept}__in", f"{dept}__path__startswith"
        if scope == Scope.DEPARTMENT:
            dq = Q(**{id_lookup: [d.pk for d in departments]})
        else:
            dq = any_of([Q(**{path_lookup: d.path}) for d in departments])
        return dq | own_q if own_q is not None else dq


class ScopedModel(ScopeMixin, models.Model):
    """Base for business records that belong to someone and to a department."""

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
