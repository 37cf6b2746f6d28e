"""Saved views: a user's named filters for one list, kept private or shared with the list's viewers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """The filters of one list under a name. Applying it applies the query string to the list, so a
    shared view never shows anyone more than their own data scope allows."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), on_delete=models.CASCADE, related_name="saved_views"
    )
    list_key = models.CharField(_("list"), max_length=100, help_text=_("The URL name of the list."))
    name = models.CharField(_("view name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True, default="")
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Everyone with a grant to see the list sees the view.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="savedview_owner_list_name_unique")
        ]
        indexes = [models.Index(fields=["list_key", "shared"], name="savedview_list_shared")]

    def __str__(self) -> str:
        return self.name
