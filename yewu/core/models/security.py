from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from yewu.core.scopes import Scope


class Grant(models.Model):
    """A role (Django group) may perform one model action within a data scope."""

    role = models.ForeignKey(Group, verbose_name=_("role"), on_delete=models.CASCADE, related_name="grants")
    permission = models.ForeignKey(
        Permission, verbose_name=_("permission"), on_delete=models.CASCADE, related_name="grants"
    )
    scope = models.CharField(_("data scope"), max_length=20, choices=Scope.choices, default=Scope.OWN)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [models.UniqueConstraint(fields=["role", "permission"], name="grant_role_perm_unique")]

    def __str__(self) -> str:
        return f"{self.role} · {self.permission.codename} · {self.get_scope_display()}"


class LoginFailure(models.Model):
    """Failed sign-in attempts per user name; the account locks for a while after too many."""

    username = models.CharField(max_length=150, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username}: {self.count}"
