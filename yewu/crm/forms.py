"""Forms of the CRM pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from yewu.crm.choices import Channel
from yewu.crm.models import (
    CareTemplate,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
)
from yewu.org.forms import ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})
SMALL = {"class": "form-control form-control-sm"}


class PersonChoiceField(forms.ModelChoiceField):
    """An active employee's login, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        employee = getattr(obj, "employee", None)
        return f"{employee.name}（{employee.department}）" if employee is not None else obj.get_username()


def people() -> Any:
    return (get_user_model().objects.filter(is_active=True, employee__status="active")
            .select_related("employee__department").order_by("employee__employee_no"))


class LeadForm(ScopedModelForm):
    confirm_duplicates = forms.BooleanField(
        label=_("Save although similar records exist"), required=False,
        help_text=_("Tick after checking the similar leads and customers listed above."),
    )

    class Meta:
        model = Lead
        fields = ["source", "company_name", "contact_name", "contact_title", "phone", "email", "credit_code",
                  "industry", "region", "department", "need", "needs_analysis"]
        widgets = {"need": forms.Textarea(attrs={"rows": 3}), "needs_analysis": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = LeadSource.objects.filter(is_active=True)
        if self.instance.pk:
            del self.fields["confirm_duplicates"]


class CustomerForm(ScopedModelForm):
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
    owner = PersonChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)
    confirm_duplicates = forms.BooleanField(
        label=_("Save although similar records exist"), required=False,
        help_text=_("Tick after checking the similar leads and customers listed above."),
    )

    class Meta:
        model = Customer
        fields = ["kind", "name", "credit_code", "customer_class", "industry", "region", "address", "phone", "email",
                  "credit_rating", "credit_limit", "owner", "department", "tags", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        self.fields["department"].required = False
        self.fields["customer_class"].queryset = CustomerClass.objects.filter(is_active=True)
        if self.instance.pk:
            del self.fields["confirm_duplicates"]
            if not self.is_bound:
                self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> list[str]:
        value = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in value.replace("，", ",").replace("、", ",").split(",") if t.strip()]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("confirm_duplicates", None)
        for name in ("owner", "department"):  # empty: the creator / the owner's department
            if data.get(name) is None:
                data.pop(name, None)
        return data


class ContactForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "birthday_month", "birthday_day", "is_primary", "notes"]


class VisitPlanForm(forms.Form):
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)
    purpose = forms.CharField(label=_("Visit purpose"), max_length=300)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    owner = PersonChoiceField(label=_("Visitor"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        if customer is not None:
            self.fields["contact"].queryset = customer.contacts.all()


class CheckInForm(forms.Form):
    notes = forms.CharField(label=_("Visit notes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
                              required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Next step by"), required=False, widget=DATE)


class CommunicationForm(forms.Form):
    at = forms.DateTimeField(label=_("Time"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    feedback = forms.CharField(label=_("Customer feedback"), widget=forms.Textarea(attrs={"rows": 2}),
                               max_length=5000, required=False)
    follow_up_action = forms.CharField(label=_("Follow-up action"), max_length=300, required=False)
    follow_up_due = forms.DateField(label=_("Follow up by"), required=False, widget=DATE)

    def __init__(self, *args: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["contact"].queryset = customer.contacts.all()
        else:
            del self.fields["contact"]

    @staticmethod
    def values_of(cleaned: dict[str, Any]) -> dict[str, Any]:
        """The service's values: no time given means now."""
        data = dict(cleaned)
        if not data.get("at"):
            data.pop("at", None)
        return data


class FollowUpForm(ScopedModelForm):
    class Meta:
        model = FollowUp
        fields = ["title", "due_on"]
        widgets = {"due_on": DATE}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class EvaluateForm(forms.Form):
    in_scope = forms.TypedChoiceField(label=_("Within our business scope?"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Yes, in scope")), ("no", _("No, out of scope"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class NeedsAnalysisForm(forms.Form):
    summary = forms.CharField(label=_("Needs analysis summary"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=10000, required=False,
                              help_text=_("Goals, scope, schedule and budget as the customer sees them; "
                                          "attach the full report below."))


class AssignForm(forms.Form):
    assignee = PersonChoiceField(label=_("Assign to"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people()


class ConvertForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Existing customer"), queryset=Customer.objects.none(), required=False,
                                      help_text=_("Leave empty to create a new customer from the lead."))
    customer_class = forms.ModelChoiceField(label=_("Customer class"), queryset=CustomerClass.objects.none(),
                                            required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.restrict(user, "change").live()
        self.fields["customer_class"].queryset = CustomerClass.objects.filter(is_active=True)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Keep"), min_value=1, max_value=2**31 - 1)


class CareDoneForm(forms.Form):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                              required=False)


class LeadSourceForm(ScopedModelForm):
    class Meta:
        model = LeadSource
        fields = ["code", "name", "sort_order", "is_active"]


class CustomerClassForm(ScopedModelForm):
    class Meta:
        model = CustomerClass
        fields = ["code", "name", "follow_up_days", "sort_order", "is_active"]


class HolidayForm(ScopedModelForm):
    class Meta:
        model = Holiday
        fields = ["name", "date", "template", "is_active"]
        widgets = {"date": DATE}


class CareTemplateForm(ScopedModelForm):
    class Meta:
        model = CareTemplate
        fields = ["kind", "name", "body", "is_default"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
