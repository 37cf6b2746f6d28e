"""List filters of the customer-service pages (the same queryset the user may view, narrowed); the
API uses them too."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yewu.org.filters import ScopedFilterSet
from yewu.org.models import Department
from yewu.service.choices import (
    ActionStatus,
    CauseKind,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ConsultationStatus,
    Severity,
    SurveyStatus,
)
from yewu.service.models import Complaint, Consultation, CorrectiveAction, ImprovementAction, Survey


class ConsultationFilterSet(ScopedFilterSet):
    search_fields = ("number", "subject", "contact_name", "phone", "email", "company_name")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ConsultationStatus.choices)
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=Channel.choices)
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = Consultation
        fields = ["q", "status", "channel", "department"]


class ComplaintFilterSet(ScopedFilterSet):
    search_fields = ("number", "product", "contact_name", "phone", "email", "description")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ComplaintStatus.choices)
    category = django_filters.ChoiceFilter(label=_("complaint category"), choices=ComplaintCategory.choices)
    severity = django_filters.ChoiceFilter(label=_("severity"), choices=Severity.choices)
    cause_kind = django_filters.ChoiceFilter(label=_("cause"), choices=CauseKind.choices)
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = Complaint
        fields = ["q", "status", "category", "severity", "cause_kind", "department"]


class CorrectiveActionFilterSet(ScopedFilterSet):
    search_fields = ("description", "complaint__number")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActionStatus.choices)

    class Meta:
        model = CorrectiveAction
        fields = ["q", "status"]


class ImprovementActionFilterSet(ScopedFilterSet):
    search_fields = ("description", "survey__name")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActionStatus.choices)

    class Meta:
        model = ImprovementAction
        fields = ["q", "status"]


class SurveyFilterSet(ScopedFilterSet):
    search_fields = ("name", "target")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SurveyStatus.choices)

    class Meta:
        model = Survey
        fields = ["q", "status"]
