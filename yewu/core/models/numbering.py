from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """Last number issued per document type and year; incremented under a row lock, so gap-free."""

    doc_type = models.CharField(_("document type"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["doc_type", "year"], name="numberseq_unique")]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.year}: {self.last_value}"
