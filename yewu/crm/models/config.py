"""Company-wide CRM settings kept as data: lead sources, customer classes with their follow-up
cadence, the holidays to greet customers on (lunar dates entered per year), greeting templates.

Reference data (no owner, no department): everyone with a grant reads it, only an "all" scope edits it.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.crm.choices import CareKind


class LeadSource(ScopedModel):
    """Where leads come from (trade fair, website, referral, …): the list people choose from."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:leadsource_detail", args=[self.pk])


class CustomerClass(ScopedModel):
    """A customer class (key, normal, potential, …) and how often its customers are followed up."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    follow_up_days = models.PositiveIntegerField(
        _("follow-up every (days)"), default=0, help_text=_("0: no regular follow-up for this class.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer class")
        verbose_name_plural = _("customer classes")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:customerclass_detail", args=[self.pk])


class CareTemplate(ScopedModel):
    """A greeting text; {customer}, {contact} and {holiday} are filled in for each greeting."""

    kind = models.CharField(_("kind"), max_length=20, choices=CareKind.choices)
    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("greeting text"))
    is_default = models.BooleanField(_("default for its kind"), default=False)

    class Meta:
        verbose_name = _("greeting template")
        verbose_name_plural = _("greeting templates")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:caretemplate_detail", args=[self.pk])

    def render(self, *, customer: str = "", contact: str = "", holiday: str = "") -> str:
        text = self.body
        for key, value in (("{customer}", customer), ("{contact}", contact), ("{holiday}", holiday)):
            text = text.replace(key, value)
        return text


class Holiday(ScopedModel):
    """One holiday on its date in one year (Spring Festival, Mid-Autumn, … entered as data: lunar
    holidays move every year); customers' owners get greeting tasks a few days before."""

    name = models.CharField(_("name"), max_length=100)
    date = models.DateField(_("date"))
    template = models.ForeignKey(
        CareTemplate, verbose_name=_("greeting template"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="holidays",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["name", "date"], name="crm_holiday_name_date")]

    def __str__(self) -> str:
        return f"{self.name} {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("crm:holiday_detail", args=[self.pk])
