"""What the customer-service app registers when Django starts: menu, global search, activity
labels, the worker's periodic job, the complaint process hooks, the demo loader and the panel on
the CRM customer page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_all() -> None:
    from yewu.core import periodic
    from yewu.core.activities import register_labels
    from yewu.core.navigation import MenuItem, Module, register, register_search
    from yewu.crm import panels
    from yewu.service import approvals
    from yewu.service.models import Complaint, Consultation, Survey
    from yewu.workflow import packs

    packs.register("service", _("Customer service processes"), lambda actor: [approvals.install(actor)])
    register(Module(
        key="service", label=_("Customer service"), icon="headset", order=32,
        items=[
            MenuItem(_("Consultations"), "service:consultation_list", "service.view_consultation"),
            MenuItem(_("Complaints"), "service:complaint_list", "service.view_complaint"),
            MenuItem(_("Complaint statistics"), "service:complaint_stats", "service.view_complaint"),
            MenuItem(_("Customer dashboard"), "crm:dashboard", "service.view_complaint"),
            MenuItem(_("Corrective actions"), "service:correctiveaction_list", "service.view_correctiveaction"),
            MenuItem(_("Satisfaction surveys"), "service:survey_list", "service.view_survey"),
            MenuItem(_("Improvement actions"), "service:improvementaction_list", "service.view_improvementaction"),
        ],
    ))
    register_search(Consultation, ("number", "subject", "contact_name"), _("Consultations"))
    register_search(Complaint, ("number", "product", "contact_name"), _("Complaints"))
    register_search(Survey, ("name",), _("Satisfaction surveys"))
    register_labels({
        "consultation.received": _("Consultation received"),
        "consultation.answered": _("Consultation answered"),
        "consultation.routed": _("Consultation routed to a department"),
        "consultation.escalated": _("Overdue consultation escalated"),
        "consultation.converted": _("Consultation converted to a complaint"),
        "complaint.from_consultation": _("Complaint taken from a consultation"),
        "complaint.received": _("Complaint received"),
        "complaint.registered": _("Complaint registered"),
        "complaint.accepted": _("Complaint taken by the central department"),
        "complaint.investigated": _("Complaint investigated"),
        "complaint.planned": _("Handling plan recorded"),
        "complaint.replied": _("Customer replied to"),
        "complaint.followed_up": _("Satisfaction followed up"),
        "complaint.moved": _("Complaint moved to the next step"),
        "complaint.closed": _("Complaint closed"),
        "complaint.reopened": _("Complaint process ended without closing"),
        "complaint.corrective_action": _("Corrective action recorded"),
        "corrective_action.created": _("Corrective action recorded"),
        "corrective_action.done": _("Corrective action done"),
        "corrective_action.verified": _("Corrective action verified"),
        "survey.created": _("Survey planned"),
        "survey.question_added": _("Question added"),
        "survey.respondents_added": _("Respondents added"),
        "survey.opened": _("Survey opened"),
        "survey.closed": _("Survey closed"),
        "survey.answered": _("Survey answered"),
        "survey.improvement_added": _("Improvement action recorded"),
        "improvement.created": _("Improvement action recorded"),
        "improvement.done": _("Improvement action done"),
        "improvement.verified": _("Improvement action verified"),
    })
    periodic.register("service.overdue_consultations", _escalate)
    panels.register(panels.CustomerPanel(
        key="service", label=_("Complaints and consultations"), template="service/customer_panel.html",
        context=_customer_panel, order=60,
    ))
    __import__("yewu.service.approvals")  # the complaint process moves complaints (hooks)
    __import__("yewu.service.demo")  # registers the demo loader with yewu.core.demo


def _escalate():
    from yewu.service.services import escalate_overdue_consultations

    return escalate_overdue_consultations() or None


def _customer_panel(customer, user):
    """The customer's complaints, consultations and surveys that the user may view (None: nothing
    to show)."""
    from yewu.service.models import Complaint, Consultation, Respondent, Survey

    complaints = list(Complaint.objects.restrict(user, "view").filter(customer=customer)[:10])
    consultations = list(Consultation.objects.restrict(user, "view").filter(customer=customer)[:10])
    surveys = list(Respondent.objects.filter(customer=customer, survey__in=Survey.objects.restrict(user, "view"))
                   .select_related("survey").order_by("-pk")[:10])
    if not complaints and not consultations and not surveys:
        return None
    return {"complaints": complaints, "consultations": consultations, "surveys": surveys}
