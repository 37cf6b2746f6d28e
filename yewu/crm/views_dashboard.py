"""The customer dashboard page: leads, customers, complaints, follow-up compliance and
satisfaction for a month, quarter or year, optionally for one department (and below), each chart
drawn from JSON with a table of the same figures; everything within the user's data."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.crm import dashboard


class DashboardForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), required=False,
        choices=[("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year"))],
    )
    date = forms.DateField(label=_("Date in the period"), required=False)
    department = forms.ModelChoiceField(label=_("Department (and below)"), required=False, queryset=None,
                                        empty_label=_("All I may see"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = dashboard.departments_for(user)


class CustomerDashboardView(LoginRequiredMixin, TemplateView):
    """Leads by source and stage, customers by class, complaints by cause and time to close,
    follow-up compliance with today's overdue follow-ups, and the satisfaction trend."""

    template_name = "crm/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not any(permissions.can_model(user, "view", m) for m in dashboard.MODELS):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def today(self) -> datetime.date:
        return timezone.localdate()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = self.today()
        form = DashboardForm(self.request.GET or None, user=user)
        form.is_valid()  # a field with bad input falls back to its default; the others still apply
        values = getattr(form, "cleaned_data", {})
        department = values.get("department")
        period = dashboard.period_of(values.get("period") or "year", values.get("date") or today)
        data = dashboard.figures(user, period, today=today, department=department)
        charts = dashboard.charts(data)
        keep = {"department": department.pk} if department is not None else {}
        follow_up_query = {"overdue": "true", **keep}

        def link(p: dashboard.Period) -> str:
            return "?" + urlencode({"period": p.kind, "date": p.start.isoformat(), **keep})

        ctx.update(
            title=_("Customer dashboard"), form=form, data=data, period=period, today=today,
            department=department, charts=charts,
            chart_data={c["key"]: c["spec"] for c in charts if c["has_data"]},
            periods=[(kind, label, "?" + urlencode({"period": kind, **keep}))
                     for kind, label in DashboardForm.base_fields["period"].choices],
            previous_url=link(period.previous()),
            next_url=link(period.next()) if period.end <= today else None,
            overdue_url="?" + urlencode(follow_up_query),
            departments=form.fields["department"].queryset,
        )
        return ctx
