from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESIGNED = "resigned", _("Resigned")


class EmployeeQuerySet(RestrictedQuerySet):
    def active(self) -> EmployeeQuerySet:
        return self.filter(status=EmployeeStatus.ACTIVE)


class Employee(ScopedModel):
    """A person in the company, linked to a login, with a primary department, position and supervisor."""

    scope_owner_field = "user"
    scope_department_field = "department"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="employee",
    )
    employee_no = models.CharField(_("employee number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="employees"
    )
    position = models.ForeignKey(
        "org.Position", verbose_name=_("position"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="employees",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("group"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    supervisor = models.ForeignKey(
        "self", verbose_name=_("supervisor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reports",
    )
    mobile = models.CharField(_("mobile"), max_length=30, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE
    )

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["department__path", "-position__rank", "employee_no"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:employee_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == EmployeeStatus.ACTIVE


class PartTimePosition(ScopedModel):
    """An additional position an employee holds in another (or the same) department."""

    scope_owner_field = "employee__user"
    scope_department_field = "department"

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="part_time_positions"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT,
        related_name="part_time_positions",
    )
    position = models.ForeignKey(
        "org.Position", verbose_name=_("position"), on_delete=models.PROTECT, related_name="part_time_holders"
    )

    class Meta:
        verbose_name = _("part-time position")
        verbose_name_plural = _("part-time positions")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "department", "position"], name="parttime_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.department} · {self.position}"


class DelegationQuerySet(RestrictedQuerySet):
    def in_force(self, at=None) -> DelegationQuerySet:
        at = at or timezone.now()
        return self.filter(cancelled_at__isnull=True, starts_at__lte=at, ends_at__gt=at)


class Delegation(ScopedModel):
    """While the principal is away, the delegate acts for them: for all processes or chosen ones."""

    scope_owner_field = "principal__user"
    scope_department_field = "principal__department"

    principal = models.ForeignKey(
        Employee, verbose_name=_("principal"), on_delete=models.PROTECT, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        Employee, verbose_name=_("acting person"), on_delete=models.PROTECT, related_name="delegations_taken"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    all_processes = models.BooleanField(_("all processes"), default=True)
    process_keys_text = models.TextField(
        _("processes"), blank=True, default="[]",
        help_text=_("Process keys this delegation covers when it is not for all processes."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="delegation_period_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(principal=models.F("delegate")), name="delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate}"

    def get_absolute_url(self) -> str:
        return reverse("org:delegation_detail", args=[self.pk])

    @property
    def process_keys(self) -> list[str]:
        try:
            value = json.loads(self.process_keys_text or "[]")
        except ValueError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []

    def covers(self, process_key: str | None) -> bool:
        return self.all_processes or (process_key is not None and process_key in self.process_keys)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
