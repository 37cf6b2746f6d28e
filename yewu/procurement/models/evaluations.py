"""Periodic supplier evaluation (供应商考评): weighted criteria, a score and a keep / warn / remove
decision per period; evaluations are kept as the supplier's history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel

SCORE = {"max_digits": 5, "decimal_places": 2,
         "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}
WEIGHT = {"max_digits": 5, "decimal_places": 2,
          "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


class EvaluationDecision(models.TextChoices):
    KEEP = "keep", _("Keep")
    WARN = "warn", _("Warn")
    REMOVE = "remove", _("Remove")


class SupplierEvaluation(ScopedModel):
    """One period's evaluation of a supplier: quality, delivery, price and service scored 0–100,
    weighted (weights in percent, kept with the evaluation), a total score and the decision taken.

    Company-wide like the supplier list (only an "all" scope reaches it)."""

    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="evaluations"
    )
    period = models.CharField(_("period"), max_length=20, help_text=_("For example 2026 or 2026-Q3."))
    quality = models.DecimalField(_("quality"), **SCORE)
    delivery = models.DecimalField(_("delivery"), **SCORE)
    price = models.DecimalField(_("price"), **SCORE)
    service = models.DecimalField(_("service"), **SCORE)
    quality_weight = models.DecimalField(_("quality weight"), **WEIGHT)
    delivery_weight = models.DecimalField(_("delivery weight"), **WEIGHT)
    price_weight = models.DecimalField(_("price weight"), **WEIGHT)
    service_weight = models.DecimalField(_("service weight"), **WEIGHT)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, editable=False)
    decision = models.CharField(_("decision"), max_length=10, choices=EvaluationDecision.choices)
    notes = models.TextField(_("notes"), blank=True, default="")
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluated by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supplier evaluation")
        verbose_name_plural = _("supplier evaluations")
        ordering = ["supplier", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "period"], name="one_evaluation_per_supplier_period"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:supplier_detail", args=[self.supplier_id])
