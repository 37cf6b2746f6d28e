"""Customer loyalty (忠诚度, P13): the formula's components and tiers as data an administrator edits,
and each customer's latest score with its breakdown.

Components and tiers are company-wide reference data (everyone with a grant reads them, an "all"
scope edits them). A score is seen by whoever may see its customer.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel


class ComponentKey(models.TextChoices):
    """What the formula can measure; each key has one source (see yewu.crm.loyalty)."""

    VALUE = "value", _("Purchase value")
    FREQUENCY = "frequency", _("Purchase frequency")
    SATISFACTION = "satisfaction", _("Satisfaction")
    COMPLAINTS = "complaints", _("Complaints")
    TENURE = "tenure", _("Customer tenure")
    ENGAGEMENT = "engagement", _("Engagement")


#: The unit of each component's raw figure, as shown next to the thresholds.
COMPONENT_UNITS = {
    ComponentKey.VALUE: _("yuan in the last 12 months"),
    ComponentKey.FREQUENCY: _("purchases in the last 12 months"),
    ComponentKey.SATISFACTION: _("average rating 1–5 in surveys of the last 12 months"),
    ComponentKey.COMPLAINTS: _("complaints in the last 12 months"),
    ComponentKey.TENURE: _("months as a customer"),
    ComponentKey.ENGAGEMENT: _("visits and communications in the last 12 months"),
}


class LoyaltyComponent(ScopedModel):
    """One component of the loyalty formula: its weight and the raw figures that give 0 and 100
    points (linear in between, capped at both ends; 0 points may lie above 100, e.g. complaints)."""

    seeded_by_migrations = True  # migration 0003_loyalty writes the defaults (see core.backup)

    key = models.CharField(_("component"), max_length=20, choices=ComponentKey.choices, unique=True,
                           editable=False)
    weight = models.PositiveSmallIntegerField(_("weight"), default=0,
                                              help_text=_("Relative weight, 0–100; 0 leaves the component out."))
    zero_at = models.DecimalField(_("0 points at"), max_digits=14, decimal_places=2, default=0)
    full_at = models.DecimalField(_("100 points at"), max_digits=14, decimal_places=2, default=0)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty component")
        verbose_name_plural = _("loyalty components")
        ordering = ["sort_order", "key"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__lte=100), name="crm_loyaltycomponent_weight",
                                   violation_error_message=_("A weight is a whole number from 0 to 100.")),
            models.CheckConstraint(condition=~Q(zero_at=models.F("full_at")), name="crm_loyaltycomponent_range",
                                   violation_error_message=_("The figures for 0 and 100 points must differ.")),
        ]

    def __str__(self) -> str:
        return str(self.get_key_display())

    def get_absolute_url(self) -> str:
        return reverse("crm:loyaltycomponent_detail", args=[self.pk])

    @property
    def unit(self) -> str:
        return str(COMPONENT_UNITS.get(self.key, ""))


class LoyaltyTier(ScopedModel):
    """A loyalty tier: customers whose score reaches its minimum (and not the next tier's) are in
    it, and their owners follow its strategy."""

    seeded_by_migrations = True  # migration 0003_loyalty writes the defaults (see core.backup)

    name = models.CharField(_("name"), max_length=100)
    min_score = models.PositiveSmallIntegerField(_("minimum score"))
    strategy = models.TextField(_("strategy"), blank=True, default="")
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty tier")
        verbose_name_plural = _("loyalty tiers")
        ordering = ["sort_order", "-min_score"]
        constraints = [
            models.CheckConstraint(condition=Q(min_score__lte=100), name="crm_loyaltytier_min_score",
                                   violation_error_message=_("A tier's minimum score is a whole number from 0 to 100.")),
            models.UniqueConstraint(fields=["min_score"], condition=Q(is_active=True),
                                    name="crm_loyaltytier_min_score_unique",
                                    violation_error_message=_("Another active tier starts at this score.")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:loyaltytier_detail", args=[self.pk])


class LoyaltyScoreQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> LoyaltyScoreQuerySet:
        """A score goes with its customer: the customers the user may `action`, nothing more."""
        from yewu.crm.models.customers import Customer

        return self.filter(customer__in=Customer.objects.restrict(user, action).values("pk"))


class LoyaltyScore(models.Model):
    """A customer's latest loyalty score (None: no component had data), tier, and the breakdown it
    came from: per component the raw figure, points, weight and the counts it was read from.

    Not a scoped record of its own: it is seen exactly with its customer (see the queryset), like
    an order line with its order; no role grants anything on scores."""

    customer = models.OneToOneField("crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                    related_name="loyalty")
    score = models.DecimalField(_("loyalty score"), max_digits=4, decimal_places=1, null=True, blank=True)
    tier = models.ForeignKey(LoyaltyTier, verbose_name=_("loyalty tier"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="scores")
    breakdown = models.JSONField(_("breakdown"), default=list, blank=True)
    computed_on = models.DateField(_("computed for"))
    computed_at = models.DateTimeField(_("computed at"))

    objects = LoyaltyScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("loyalty score")
        verbose_name_plural = _("loyalty scores")
        ordering = ["customer"]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                                   name="crm_loyaltyscore_range"),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.score if self.score is not None else '–'}"

    def get_absolute_url(self) -> str:
        return self.customer.get_absolute_url()
