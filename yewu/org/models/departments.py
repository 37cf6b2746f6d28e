from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel


class Department(ScopedModel):
    """A unit of the company; departments form a tree (materialised path for fast subtree queries)."""

    scope_department_field = "self"

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=400, db_index=True, editable=False, default="/")
    description = models.TextField(_("description"), blank=True, default="")
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:department_detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestors(self) -> models.QuerySet[Department]:
        ids = [int(p) for p in self.path.strip("/").split("/")[:-1] if p]
        return Department.objects.filter(pk__in=ids).order_by("path")

    def descendants(self, include_self: bool = False) -> models.QuerySet[Department]:
        qs = Department.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)


class Position(ScopedModel):
    """A job position with its responsibilities (department manager, project manager, ...)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True, default="")
    is_department_head = models.BooleanField(
        _("heads the department"), default=False,
        help_text=_("Holders of this position are the head of their department."),
    )
    rank = models.PositiveIntegerField(
        _("rank"), default=0, help_text=_("Higher ranks sit higher in the hierarchy.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:position_detail", args=[self.pk])


class Team(ScopedModel):
    """A group inside a department (market expansion, sales, customer service ...)."""

    scope_department_field = "department"

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    leader = models.ForeignKey(
        "org.Employee", verbose_name=_("leader"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="teams_led",
    )
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["department__path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:team_detail", args=[self.pk])
