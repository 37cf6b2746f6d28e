"""List filters of the CRM pages (the same queryset the user may view, narrowed); the API uses them too."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.crm.choices import (
    CareKind,
    CareStatus,
    Channel,
    CreditRating,
    CustomerKind,
    CustomerStatus,
    FollowUpKind,
    FollowUpStatus,
    LeadStatus,
    VisitStatus,
)
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    LoyaltyTier,
    Visit,
)
from yewu.org.filters import ScopedFilterSet
from yewu.org.models import Department


class LeadFilterSet(ScopedFilterSet):
    search_fields = ("number", "company_name", "contact_name", "phone", "email", "credit_code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LeadStatus.choices)
    source = django_filters.ModelChoiceFilter(label=_("Source"), queryset=LeadSource.objects.all())
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "department"]


class CustomerFilterSet(ScopedFilterSet):
    search_fields = ("number", "name", "credit_code", "phone", "email", "industry", "region")
    customer_class = django_filters.ModelChoiceFilter(label=_("Customer class"), queryset=CustomerClass.objects.all())
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=CustomerKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CustomerStatus.choices)
    credit_rating = django_filters.ChoiceFilter(label=_("Credit rating"), choices=CreditRating.choices)
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())
    tag = django_filters.CharFilter(label=_("Tag"), method="with_tag")
    loyalty_tier = django_filters.ModelChoiceFilter(label=_("Loyalty tier"), field_name="loyalty__tier",
                                                    queryset=LoyaltyTier.objects.all())

    class Meta:
        model = Customer
        fields = ["q", "customer_class", "kind", "status", "credit_rating", "department", "tag", "loyalty_tier"]

    def with_tag(self, queryset, name, value):
        return queryset.filter(tags__icontains=value.strip())


class ContactFilterSet(ScopedFilterSet):
    search_fields = ("name", "title", "phone", "email", "customer__name")
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())

    class Meta:
        model = Contact
        fields = ["q", "customer"]


class VisitFilterSet(ScopedFilterSet):
    search_fields = ("customer__name", "purpose", "notes", "outcome")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=VisitStatus.choices)
    planned_from = django_filters.DateFilter(label=_("From"), field_name="planned_on", lookup_expr="gte")
    planned_to = django_filters.DateFilter(label=_("To"), field_name="planned_on", lookup_expr="lte")
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())

    class Meta:
        model = Visit
        fields = ["q", "status", "planned_from", "planned_to", "customer"]


class CommunicationFilterSet(ScopedFilterSet):
    search_fields = ("customer__name", "lead__company_name", "content", "feedback", "follow_up_action")
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())

    class Meta:
        model = Communication
        fields = ["q", "channel", "customer"]


class FollowUpFilterSet(ScopedFilterSet):
    search_fields = ("customer__name", "lead__company_name", "title")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FollowUpStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FollowUpKind.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="only_overdue")
    department = django_filters.ModelChoiceFilter(label=_("Department (and below)"), queryset=Department.objects.all(),
                                                  method="in_department")

    class Meta:
        model = FollowUp
        fields = ["q", "status", "kind", "overdue", "department"]

    def in_department(self, queryset, name, value):
        return queryset.filter(department__path__startswith=value.path)

    def only_overdue(self, queryset, name, value):
        late = Q(status=FollowUpStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class CareTaskFilterSet(ScopedFilterSet):
    search_fields = ("customer__name", "contact__name", "message")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CareStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CareKind.choices)

    class Meta:
        model = CareTask
        fields = ["q", "status", "kind"]


class LeadSourceFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = LeadSource
        fields = ["q", "is_active"]


class CustomerClassFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = CustomerClass
        fields = ["q", "is_active"]


class HolidayFilterSet(ScopedFilterSet):
    year = django_filters.NumberFilter(label=_("Year"), method="in_year")

    class Meta:
        model = Holiday
        fields = ["q", "year", "is_active"]

    def in_year(self, queryset, name, value):
        if value != int(value) or not 1 <= value <= 9999:
            return queryset.none()
        return queryset.filter(date__year=int(value))


class CareTemplateFilterSet(ScopedFilterSet):
    search_fields = ("name", "body")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CareKind.choices)

    class Meta:
        model = CareTemplate
        fields = ["q", "kind"]
