"""Loyalty pages: the customer page's loyalty panel, the formula's components and the tiers
(company settings), and the administrators' "recalculate". Each write calls one service in
yewu.crm.loyalty; a refusal shows its message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import Column, ObjectDetailView, ObjectEditView, ObjectListView
from yewu.crm import loyalty
from yewu.crm.models import Customer, LoyaltyComponent, LoyaltyTier
from yewu.org.forms import ScopedModelForm

# --- the customer page's panel -------------------------------------------------------------------


def customer_panel(customer: Customer, user: Any) -> dict[str, Any] | None:
    """The customer's loyalty score (recalculated first when stale) with its breakdown; the page
    only calls this for a customer the user may view."""
    score = loyalty.refresh_if_stale(customer)
    if score is None:
        return None
    rows = loyalty.breakdown_rows(score)
    return {
        "score": score, "rows": rows, "missing": [row for row in rows if row["weight"] and not row["has_data"]],
        "can_recalculate": permissions.can_model(user, "change", LoyaltyComponent),
        "customer": customer,
    }


# --- forms ---------------------------------------------------------------------------------------


class LoyaltyComponentForm(ScopedModelForm):
    class Meta:
        model = LoyaltyComponent
        fields = ["weight", "zero_at", "full_at"]


class LoyaltyTierForm(ScopedModelForm):
    class Meta:
        model = LoyaltyTier
        fields = ["name", "min_score", "strategy", "sort_order", "is_active"]

    def validate_constraints(self) -> None:
        """The service checks the unique minimum and names the clashing tier."""


# --- settings pages ------------------------------------------------------------------------------


class _LoyaltyListView(ObjectListView):
    template_name = "crm/loyalty_list.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_recalculate"] = permissions.can_model(self.request.user, "change", LoyaltyComponent)
        return ctx


class LoyaltyComponentListView(_LoyaltyListView):
    model = LoyaltyComponent
    title = _("Loyalty formula")
    columns = [
        Column("get_key_display", _("Component"), link=True), Column("weight", _("Weight")),
        Column("zero_at", _("0 points at")), Column("full_at", _("100 points at")), Column("unit", _("Unit")),
    ]


class LoyaltyComponentDetailView(ObjectDetailView):
    model = LoyaltyComponent
    template_name = "crm/setting_detail.html"
    fields = [Column("weight", _("Weight")), Column("zero_at", _("0 points at")),
              Column("full_at", _("100 points at")), Column("unit", _("Unit"))]


class LoyaltyComponentEditView(ObjectEditView):
    model = LoyaltyComponent
    form_class = LoyaltyComponentForm

    def get_object(self):
        if "pk" not in self.kwargs:  # the components are fixed: no adding
            raise Http404
        return super().get_object()

    def save(self, form):
        return loyalty.save_loyalty_component(self.object, form.cleaned_data, actor=self.request.user)


class LoyaltyTierListView(_LoyaltyListView):
    model = LoyaltyTier
    title = _("Loyalty tiers")
    create_url_name = "crm:loyaltytier_add"
    columns = [
        Column("name", _("Name"), link=True), Column("min_score", _("Minimum score")),
        Column("strategy", _("Strategy")), Column("sort_order", _("Sort order")),
        Column("is_active", _("Active"), kind="bool"),
    ]


class LoyaltyTierDetailView(ObjectDetailView):
    model = LoyaltyTier
    template_name = "crm/setting_detail.html"
    fields = [Column("min_score", _("Minimum score")), Column("strategy", _("Strategy"), kind="multiline"),
              Column("sort_order", _("Sort order")), Column("is_active", _("Active"), kind="bool")]


class LoyaltyTierEditView(ObjectEditView):
    model = LoyaltyTier
    form_class = LoyaltyTierForm

    def save(self, form):
        return loyalty.save_loyalty_tier(self.object, form.cleaned_data, actor=self.request.user)


class LoyaltyRecalculateView(LoginRequiredMixin, View):
    """POST: recalculate one customer's score (`customer` given) or every customer's."""

    def post(self, request):
        customer = None
        if request.POST.get("customer"):
            try:
                pk = int(request.POST["customer"])
            except ValueError:
                raise Http404 from None
            customer = Customer.objects.restrict(request.user, "view").filter(pk=pk).first()
            if customer is None:
                raise Http404
        back = customer.get_absolute_url() if customer else reverse("crm:loyaltytier_list")
        try:
            counts = loyalty.recalculate_loyalty([customer] if customer else None, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, gettext("Loyalty scores recalculated: %(count)s customers, %(changed)s changed tier.")
                         % {"count": counts["computed"], "changed": counts["tier_changed"]})
        return redirect(back)


urlpatterns = [
    path("settings/loyalty-components/", LoyaltyComponentListView.as_view(), name="loyaltycomponent_list"),
    path("settings/loyalty-components/<int:pk>/", LoyaltyComponentDetailView.as_view(),
         name="loyaltycomponent_detail"),
    path("settings/loyalty-components/<int:pk>/edit/", LoyaltyComponentEditView.as_view(),
         name="loyaltycomponent_edit"),
    path("settings/loyalty-tiers/", LoyaltyTierListView.as_view(), name="loyaltytier_list"),
    path("settings/loyalty-tiers/add/", LoyaltyTierEditView.as_view(), name="loyaltytier_add"),
    path("settings/loyalty-tiers/<int:pk>/", LoyaltyTierDetailView.as_view(), name="loyaltytier_detail"),
    path("settings/loyalty-tiers/<int:pk>/edit/", LoyaltyTierEditView.as_view(), name="loyaltytier_edit"),
    path("settings/loyalty/recalculate/", LoyaltyRecalculateView.as_view(), name="loyalty_recalculate"),
]
