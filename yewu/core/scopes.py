"""Data scopes: how far a role's grant reaches (own records, own department, department and below, all)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    DEPARTMENT = "department", _("Own department")
    SUBTREE = "subtree", _("Own department and below")
    ALL = "all", _("All")


SCOPE_RANK = {Scope.OWN: 1, Scope.DEPARTMENT: 2, Scope.SUBTREE: 3, Scope.ALL: 4}
