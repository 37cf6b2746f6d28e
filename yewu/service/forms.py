"""Forms of the customer-service pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yewu.crm.forms import PersonChoiceField, people
from yewu.org.models import Department
from yewu.service.choices import (
    AnswerChannel,
    CauseCategory,
    CauseKind,
    Channel,
    ComplaintCategory,
    QuestionKind,
    Satisfaction,
    Severity,
)

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})


class _UserForm(forms.Form):
    """Forms built for one user (the generic edit view passes `user` and, when editing, `instance`)."""

    def __init__(self, *args: Any, user: Any = None, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        if "customer" in self.fields:
            from yewu.crm.models import Customer

            self.fields["customer"].queryset = Customer.objects.restrict(user, "view").order_by("name")
        for name in ("department", "route_to"):
            if name in self.fields:
                self.fields[name].queryset = Department.objects.filter(is_active=True).order_by("path")
        for name in ("owner", "handler"):
            if name in self.fields:
                self.fields[name].queryset = people()


def _customer_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("customer"), queryset=Department.objects.none(), required=False)


class ConsultationForm(_UserForm):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    customer = _customer_field()
    contact_name = forms.CharField(label=_("contact name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    company_name = forms.CharField(label=_("company name"), max_length=200, required=False)
    subject = forms.CharField(label=_("subject"), max_length=200)
    question = forms.CharField(label=_("question"), widget=TEXT)
    department = forms.ModelChoiceField(label=_("answering department"), queryset=Department.objects.none(),
                                        required=False)


class ComplaintForm(_UserForm):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    customer = _customer_field()
    contact_name = forms.CharField(label=_("contact name"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    product = forms.CharField(label=_("product or service"), max_length=200)
    category = forms.ChoiceField(label=_("complaint category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(label=_("description"), widget=TEXT)
    department = forms.ModelChoiceField(label=_("responsible department"), queryset=Department.objects.none(),
                                        required=False)


class ConvertToComplaintForm(forms.Form):
    product = forms.CharField(label=_("product or service"), max_length=200, required=False,
                              help_text=_("Leave empty to use the consultation's subject."))
    category = forms.ChoiceField(label=_("complaint category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MEDIUM)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=TEXT)


class RouteForm(_UserForm):
    route_to = forms.ModelChoiceField(label=_("answering department"), queryset=Department.objects.none())


class AcceptForm(_UserForm):
    department = forms.ModelChoiceField(label=_("responsible department"), queryset=Department.objects.none())
    handler = PersonChoiceField(label=_("handler"), queryset=Department.objects.none())
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)


class InvestigationForm(forms.Form):
    cause_kind = forms.ChoiceField(label=_("cause"), choices=CauseKind.choices)
    cause_category = forms.ChoiceField(label=_("cause category"), choices=CauseCategory.choices)
    expectation = forms.CharField(label=_("customer's expectation"), widget=TEXT)
    notes = forms.CharField(label=_("investigation findings"), widget=TEXT, required=False)


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("handling plan"), widget=TEXT)


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("reply to the customer"), widget=TEXT)


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("satisfaction result"), choices=Satisfaction.choices)
    notes = forms.CharField(label=_("follow-up notes"), widget=TEXT, required=False)


class ActionForm(_UserForm):
    description = forms.CharField(label=_("description"), widget=TEXT)
    owner = PersonChoiceField(label=_("responsible person"), queryset=Department.objects.none())
    due_on = forms.DateField(label=_("due date"), widget=DATE)


class ResultForm(forms.Form):
    result = forms.CharField(label=_("result"), widget=TEXT)


class SurveyForm(_UserForm):
    name = forms.CharField(label=_("survey name"), max_length=200)
    period_start = forms.DateField(label=_("period start"), widget=DATE)
    period_end = forms.DateField(label=_("period end"), widget=DATE)
    target = forms.CharField(label=_("target customers"), widget=TEXT, required=False)
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none(), required=False)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("question"), max_length=300)
    kind = forms.ChoiceField(label=_("question type"), choices=QuestionKind.choices)
    options = forms.CharField(label=_("options (one a line)"), widget=TEXT, required=False)
    required = forms.BooleanField(label=_("required"), required=False, initial=True)


class RespondentsForm(_UserForm):
    customers = forms.ModelMultipleChoiceField(label=_("customers"), queryset=Department.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yewu.crm.models import Customer

        self.fields["customers"].queryset = Customer.objects.restrict(self.user, "view").live().order_by("name")


class ContactForm(forms.Form):
    """The public contact form (no login): a consultation or a complaint."""

    KIND_CHOICES = [("consultation", _("A question")), ("complaint", _("A complaint"))]

    kind = forms.ChoiceField(label=_("I have"), choices=KIND_CHOICES, widget=forms.RadioSelect,
                             initial="consultation")
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    subject = forms.CharField(label=_("Subject or product"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)


def answer_channel_choices() -> list[tuple[str, Any]]:
    return [(c.value, c.label) for c in AnswerChannel if c != AnswerChannel.LINK]
