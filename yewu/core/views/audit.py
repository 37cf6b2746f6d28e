"""Audit events pages: a filtered list within the user's scope, export as xlsx/csv or XES."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yewu.core.models import Event
from yewu.core.views.generic import Column, ObjectListView


class EventFilterSet(django_filters.FilterSet):
    case_type = django_filters.CharFilter(label=_("Record type"), lookup_expr="exact")
    case_id = django_filters.CharFilter(label=_("Record id"), lookup_expr="exact")
    activity = django_filters.CharFilter(label=_("Activity"), lookup_expr="icontains")
    actor = django_filters.CharFilter(label=_("Actor"), field_name="actor__username", lookup_expr="exact")
    since = django_filters.DateFilter(label=_("From"), field_name="timestamp", lookup_expr="date__gte",
                                      widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("Until"), field_name="timestamp", lookup_expr="date__lte",
                                      widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Event
        fields = ["case_type", "case_id", "activity", "actor", "since", "until"]


class EventListView(ObjectListView):
    model = Event
    template_name = "core/event_list.html"
    filterset_class = EventFilterSet
    select_related = ("actor", "on_behalf_of", "department")
    title = _("Audit events")
    paginate_by = 50
    columns = [
        Column("id", _("No.")),
        Column("timestamp", _("Time"), kind="datetime"),
        Column("case_type", _("Record type")),
        Column("case_id", _("Record id")),
        Column("activity_label", _("Activity")),
        Column("actor", _("Actor")),
        Column("on_behalf_of", _("On behalf of")),
        Column("role", _("Role")),
        Column("department", _("Department")),
        Column("wait_seconds", _("Time since previous activity (s)")),
    ]

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

