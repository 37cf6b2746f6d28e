"""Procurement reports: the dashboard (figures on the restricted querysets, charts from JSON with
a table for each) and the purchase order as a PDF for the supplier."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import ScopedMixin
from yewu.procurement import dashboard, documents
from yewu.procurement.models import PurchaseOrder

DEFAULT_DUE_DAYS = 30


class DashboardForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), required=False,
        choices=[("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year"))],
    )
    date = forms.DateField(label=_("Date in the period"), required=False)
    days = forms.IntegerField(label=_("Payments due within (days)"), required=False, min_value=1, max_value=365)


class ProcurementDashboardView(ScopedMixin, TemplateView):
    """Spend by department and supplier for a month, quarter or year (default: this year), open
    orders, overdue deliveries, payments due and requisitions waiting; all within the user's data."""

    model = PurchaseOrder
    template_name = "procurement/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_model(request.user, "view", PurchaseOrder):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def today(self) -> datetime.date:
        return timezone.localdate()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        today = self.today()
        form = DashboardForm(self.request.GET or None)
        values = form.cleaned_data if form.is_valid() else {}
        period = dashboard.period_of(values.get("period") or "year", values.get("date") or today)
        days = values.get("days") or DEFAULT_DUE_DAYS
        data = dashboard.figures(self.request.user, period, today=today, days=days)
        ctx.update(
            title=_("Procurement dashboard"), form=form, data=data, period=period, today=today,
            chart_data=dashboard.chart_data(data),
            periods=[(kind, label) for kind, label in DashboardForm.base_fields["period"].choices],
            previous=period.previous(), next=period.next() if period.end <= today else None,
            can_view_requisitions=permissions.can_model(self.request.user, "view", dashboard.Requisition),
        )
        return ctx


class PurchaseOrderPdfView(ScopedMixin, TemplateView):
    """The order as a PDF for the supplier: only orders the user may see (404 otherwise), and only
    once they passed review (otherwise back to the order with the reason)."""

    model = PurchaseOrder

    def get(self, request, pk: int, **kwargs: Any):
        order = self.base_queryset().filter(pk=pk).first()
        if order is None:
            raise Http404
        try:
            content = documents.purchase_order_pdf(order)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(order.get_absolute_url())
        return pdf_response(content, order)


def pdf_response(content: bytes, order: PurchaseOrder) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    name = f"{order.number}-v{order.version}.pdf" if order.version > 1 else f"{order.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
