"""Forms of the procurement pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yewu.org.forms import ScopedModelForm
from yewu.procurement.choices import ORDERABLE_SUPPLIER
from yewu.procurement.models import (
    PurchaseContract,
    PurchaseOrder,
    Quotation,
    Requisition,
    Supplier,
    SupplierEvaluation,
    SupplierQualification,
)


class RequisitionLineForm(forms.Form):
    name = forms.CharField(label=_("Item"), max_length=200)
    specification = forms.CharField(label=_("Specification"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    budget_price = forms.DecimalField(label=_("Budget unit price"), max_digits=14, decimal_places=2, min_value=0)


class OrderLineForm(forms.Form):
    requisition_line = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Item"), max_length=200)
    specification = forms.CharField(label=_("Specification"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0)


class InstalmentForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


RequisitionLineFormSet = forms.formset_factory(RequisitionLineForm, extra=0, min_num=1, can_delete=True)
OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=0, min_num=1, can_delete=True)
InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=0, can_delete=True)


class WithRowsForm(ScopedModelForm):
    """A record form with editable rows (lines, instalments): each formset is bound only when the
    POST carries it, so a post without rows leaves the record's rows as they are."""

    row_sets: dict[str, tuple[Any, str]] = {}  # prefix -> (formset class, related name on the instance)

    def __init__(self, *args: Any, initial_rows: dict[str, list[dict]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formsets = {}
        for prefix, (formset_class, _related) in self.row_sets.items():
            if self.is_bound and f"{prefix}-TOTAL_FORMS" in self.data:
                self.formsets[prefix] = formset_class(self.data, prefix=prefix)
            else:
                rows = (initial_rows or {}).get(prefix)
                if rows is None:
                    rows = self.instance_rows(prefix)
                self.formsets[prefix] = formset_class(initial=rows, prefix=prefix)

    def instance_rows(self, prefix: str) -> list[dict]:
        return []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid] + [fs.is_valid() for fs in self.formsets.values() if fs.is_bound])

    def rows(self, prefix: str) -> list[dict] | None:
        fs = self.formsets[prefix]
        if not fs.is_bound:
            return None
        return [f.cleaned_data for f in fs.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class RequisitionForm(WithRowsForm):
    row_sets = {"lines": (RequisitionLineFormSet, "lines")}

    class Meta:
        model = Requisition
        fields = ["title", "department", "purpose", "needed_by"]
        widgets = {"needed_by": forms.DateInput(attrs={"type": "date"}), "purpose": forms.Textarea(attrs={"rows": 3})}

    def instance_rows(self, prefix: str) -> list[dict]:
        if self.instance.pk is None:
            return []
        return [{f: getattr(line, f) for f in ("name", "specification", "quantity", "unit", "budget_price")}
                for line in self.instance.lines.all()]


class PurchaseOrderForm(WithRowsForm):
    row_sets = {"lines": (OrderLineFormSet, "lines"), "instalments": (InstalmentFormSet, "instalments")}

    class Meta:
        model = PurchaseOrder
        fields = ["supplier", "delivery_date", "delivery_place", "notes", "important"]
        widgets = {"delivery_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = self.fields["supplier"].queryset.filter(status__in=ORDERABLE_SUPPLIER)

    def instance_rows(self, prefix: str) -> list[dict]:
        if self.instance.pk is None:
            return []
        if prefix == "lines":
            return [{"requisition_line": line.requisition_line_id,
                     **{f: getattr(line, f) for f in ("name", "specification", "quantity", "unit", "unit_price")}}
                    for line in self.instance.lines.all()]
        return [{"description": i.description, "amount": i.amount, "due_on": i.due_on}
                for i in self.instance.instalments.all()]


class SupplierForm(ScopedModelForm):
    categories = forms.CharField(label=_("Categories supplied"), required=False,
                                 help_text=_("Separate categories with commas."))

    class Meta:
        model = Supplier
        fields = ["name", "credit_code", "categories", "contact", "phone", "email", "address", "bank_account", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["categories"] = ", ".join(self.instance.categories or [])

    def clean_categories(self) -> list[str]:
        value = self.cleaned_data.get("categories") or ""
        return [c.strip() for c in value.replace("，", ",").replace("、", ",").split(",") if c.strip()]


class QualificationForm(forms.ModelForm):
    class Meta:
        model = SupplierQualification
        fields = ["kind", "name", "reference", "issued_on", "expires_on"]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "name": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "reference": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "issued_on": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
            "expires_on": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), required=False)
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)


class PaymentRequestForm(forms.Form):
    instalment = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    note = forms.CharField(max_length=1000, required=False)


class EvaluationForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"), required=False,
        choices=[("", _("As the score says"))] + list(SupplierEvaluation._meta.get_field("decision").choices),
    )

    class Meta:
        model = SupplierEvaluation
        fields = ["period", "quality", "delivery", "price", "service", "decision", "notes"]
        widgets = {name: forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"})
                   for name in ("quality", "delivery", "price", "service")} | {
            "period": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "notes": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-select form-select-sm"


class QuotationForm(ScopedModelForm):
    """A supplier's quotation: terms, and one unit price per requisition line (fields price_<line>)."""

    class Meta:
        model = Quotation
        fields = ["supplier", "round", "delivery_days", "delivery_date", "payment_terms", "valid_until", "note"]
        widgets = {"delivery_date": forms.DateInput(attrs={"type": "date"}),
                   "valid_until": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, requisition: Requisition | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        requisition = requisition or self.instance.requisition
        self.requisition_lines = list(requisition.lines.all())
        prices = {q.requisition_line_id: q.unit_price for q in self.instance.lines.all()} if self.instance.pk else {}
        for line in self.requisition_lines:
            self.fields[f"price_{line.pk}"] = forms.DecimalField(
                label=_("Unit price: %(item)s (%(quantity)s %(unit)s)")
                % {"item": line.name, "quantity": f"{line.quantity.normalize():f}", "unit": line.unit},
                max_digits=14, decimal_places=2, min_value=0, initial=prices.get(line.pk),
                required=not self.instance.pk,  # a re-quote without prices keeps them
            )
        if self.instance.pk:
            for name in ("supplier", "round"):
                self.fields[name].disabled = True
        else:
            self.fields["supplier"].queryset = self.fields["supplier"].queryset.filter(status__in=ORDERABLE_SUPPLIER)

    def lines(self) -> list[dict[str, Any]] | None:
        """The prices entered; None when a re-quote leaves every price empty (prices unchanged)."""
        prices = {line.pk: self.cleaned_data.get(f"price_{line.pk}") for line in self.requisition_lines}
        if self.instance.pk and all(p is None for p in prices.values()):
            return None
        return [{"requisition_line": pk, "unit_price": price} for pk, price in prices.items() if price is not None]

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("price_")}


class ChooseForm(forms.Form):
    reason = forms.CharField(label=_("Reason of the choice"), max_length=2000, required=False)


class PurchaseContractForm(ScopedModelForm):
    class Meta:
        model = PurchaseContract
        fields = ["title", "amount", "terms"]
        widgets = {"terms": forms.Textarea(attrs={"rows": 8})}


class SignContractForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), required=False)
    signed_copy = forms.FileField(label=_("Signed copy"), required=False)
