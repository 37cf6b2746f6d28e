"""Customers (客户) and their contacts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.crm.choices import CreditRating, CustomerKind, CustomerStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


def person_name(user) -> str:
    """A user as people know them: the employee's name, else the login."""
    if user is None:
        return ""
    employee = getattr(user, "employee", None) if hasattr(user, "employee") else None
    return employee.name if employee is not None else user.get_username()


class CustomerQuerySet(RestrictedQuerySet):
    def live(self) -> CustomerQuerySet:
        """Customers that are worked with (not merged into another)."""
        return self.exclude(status=CustomerStatus.MERGED)


class Customer(ScopedModel):
    """A company or person the company sells to: classification, credit, ownership and tags.

    The owner and the owning department decide who sees it (a salesperson their own customers,
    a manager their department's). Complaints, surveys, orders and loyalty scores of later modules
    point here; a merged customer keeps its row, pointing at the one it was merged into.
    """

    scope_owner_field = "owner"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="",
                                   db_index=True)
    customer_class = models.ForeignKey(
        "crm.CustomerClass", verbose_name=_("customer class"), on_delete=models.PROTECT, related_name="customers",
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_key = models.CharField(max_length=20, editable=False, db_index=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    credit_rating = models.CharField(_("credit rating"), max_length=5, choices=CreditRating.choices, blank=True,
                                     default="")
    credit_limit = models.DecimalField(_("credit limit"), default=Decimal("0"), **MONEY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="crm_customers",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="crm_customers",
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=CustomerStatus.choices,
                              default=CustomerStatus.ACTIVE, editable=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="merged_customers",
    )
    last_contact_on = models.DateField(_("last follow-up on"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="crm_customer_credit_limit"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:customer_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)

    @property
    def tags_text(self) -> str:
        return "、".join(str(t) for t in self.tags or [])

    @property
    def loyalty_tier(self) -> str:
        """The name of the customer's loyalty tier ("" before the first score)."""
        score = getattr(self, "loyalty", None)
        return score.tier.name if score is not None and score.tier_id else ""

    def is_live(self) -> bool:
        return self.status != CustomerStatus.MERGED

    def next_follow_up_on(self) -> datetime.date | None:
        """When the class cadence wants the next follow-up (None: no regular follow-up)."""
        days = self.customer_class.follow_up_days if self.customer_class_id else 0
        if not days or not self.is_live():
            return None
        start = self.last_contact_on or timezone.localtime(self.created_at).date()
        return start + datetime.timedelta(days=days)


class Contact(ScopedModel):
    """A person at a customer: title, phone, e-mail, birthday (month and day, for greetings)."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_key = models.CharField(max_length=20, editable=False, db_index=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    birthday_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    birthday_day = models.PositiveSmallIntegerField(_("birthday day"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "-is_primary", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(birthday_month__isnull=True, birthday_day__isnull=True)
                           | models.Q(birthday_month__gte=1, birthday_month__lte=12,
                                      birthday_day__gte=1, birthday_day__lte=31)),
                name="crm_contact_birthday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.customer}）"

    def get_absolute_url(self) -> str:
        return reverse("crm:contact_detail", args=[self.pk])

    @property
    def birthday(self) -> str:
        if self.birthday_month and self.birthday_day:
            return f"{self.birthday_month:02d}-{self.birthday_day:02d}"
        return ""

    def birthday_in(self, year: int) -> datetime.date | None:
        """The birthday in that year (29 February falls on 28 February in other years)."""
        if not (self.birthday_month and self.birthday_day):
            return None
        try:
            return datetime.date(year, self.birthday_month, self.birthday_day)
        except ValueError:
            return datetime.date(year, self.birthday_month, 28)
