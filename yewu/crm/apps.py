from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "yewu.crm"
    label = "crm"
    verbose_name = _("Customer relations")

    def ready(self) -> None:
        from yewu.core import periodic
        from yewu.core.activities import register_labels
        from yewu.core.navigation import MenuItem, Module, register, register_search
        from yewu.crm.models import Contact, Customer, Lead

        register(
            Module(
                key="crm", label=_("Customer relations"), icon="people", order=15,
                items=[
                    MenuItem(_("Customer dashboard"), "crm:dashboard", "crm.view_customer"),
                    MenuItem(_("Leads"), "crm:lead_list", "crm.view_lead"),
                    MenuItem(_("Customers"), "crm:customer_list", "crm.view_customer"),
                    MenuItem(_("Contacts"), "crm:contact_list", "crm.view_contact"),
                    MenuItem(_("Visit calendar"), "crm:visit_calendar", "crm.view_visit"),
                    MenuItem(_("Visits"), "crm:visit_list", "crm.view_visit"),
                    MenuItem(_("Communication log"), "crm:communication_list", "crm.view_communication"),
                    MenuItem(_("Follow-ups"), "crm:followup_list", "crm.view_followup"),
                    MenuItem(_("Greetings"), "crm:caretask_list", "crm.view_caretask"),
                    MenuItem(_("Import customers"), "crm:customer_import", "crm.add_customer"),
                    MenuItem(_("Customer classes"), "crm:customerclass_list", "crm.change_customerclass"),
                    MenuItem(_("Lead sources"), "crm:leadsource_list", "crm.change_leadsource"),
                    MenuItem(_("Holidays"), "crm:holiday_list", "crm.change_holiday"),
                    MenuItem(_("Greeting templates"), "crm:caretemplate_list", "crm.change_caretemplate"),
                    MenuItem(_("Loyalty tiers"), "crm:loyaltytier_list", "crm.change_loyaltytier"),
                ],
            )
        )
        register_search(Customer, ("name", "number", "credit_code", "phone"), _("Customers"))
        register_search(Lead, ("company_name", "number", "contact_name", "phone"), _("Leads"))
        register_search(Contact, ("name", "phone", "email"), _("Contacts"))
        register_labels({
            "lead.registered": _("Lead registered"),
            "lead.changed": _("Lead changed"),
            "lead.evaluated": _("Lead evaluated"),
            "lead.assigned": _("Lead assigned"),
            "lead.converted": _("Lead converted to a customer"),
            "lead.closed": _("Lead closed"),
            "lead.merged": _("Lead merged into another"),
            "lead.merged_in": _("Duplicate lead merged in"),
            "customer.created": _("Customer created"),
            "customer.changed": _("Customer changed"),
            "customer.contact_added": _("Contact added"),
            "customer.contact_changed": _("Contact changed"),
            "customer.lead_attached": _("Lead attached"),
            "customer.merged": _("Customer merged into another"),
            "customer.merged_in": _("Duplicate customer merged in"),
            "visit.planned": _("Visit planned"),
            "visit.checked_in": _("Visit checked in"),
            "visit.cancelled": _("Visit cancelled"),
            "communication.logged": _("Communication recorded"),
            "follow_up.created": _("Follow-up created"),
            "follow_up.reminded": _("Follow-up reminder sent"),
            "follow_up.escalated": _("Missed follow-up escalated"),
            "follow_up.done": _("Follow-up done"),
            "follow_up.cancelled": _("Follow-up cancelled"),
            "care.created": _("Greeting prepared"),
            "care.sent": _("Greeting sent"),
            "care.skipped": _("Greeting skipped"),
            "leadsource.created": _("Lead source created"),
            "leadsource.changed": _("Lead source changed"),
            "customerclass.created": _("Customer class created"),
            "customerclass.changed": _("Customer class changed"),
            "caretemplate.created": _("Greeting template created"),
            "caretemplate.changed": _("Greeting template changed"),
            "holiday.created": _("Holiday created"),
            "holiday.changed": _("Holiday changed"),
            "customer.loyalty_tier_changed": _("Loyalty tier changed"),
            "loyaltycomponent.changed": _("Loyalty formula changed"),
            "loyaltytier.created": _("Loyalty tier created"),
            "loyaltytier.changed": _("Loyalty tier changed"),
        })
        from yewu.core.home import HomePanel
        from yewu.core.home import register as register_home_panel
        from yewu.crm import home

        register_home_panel(HomePanel("crm", "crm/home_panel.html", home.context, order=20))
        periodic.register("crm.follow_ups", _follow_ups)
        periodic.register("crm.care", _care)
        periodic.register("crm.loyalty", _loyalty)
        from yewu.crm import loyalty_views, panels

        panels.register(panels.CustomerPanel(
            key="loyalty", label=_("Loyalty"), template="crm/loyalty_panel.html",
            context=loyalty_views.customer_panel, order=10,
        ))
        __import__("yewu.crm.loyalty_demo")  # scores once the service demo's complaints and surveys exist
        __import__("yewu.crm.demo")  # registers the demo loader with yewu.core.demo
        from yewu.crm import intake

        intake.register()  # the "crm" pack (business intake) and its hooks


def _follow_ups():
    from yewu.crm.services import run_follow_ups

    counts = run_follow_ups()
    return counts if any(counts.values()) else None


def _care():
    from yewu.crm.services import generate_care_tasks

    counts = generate_care_tasks()
    return counts if any(counts.values()) else None


def _loyalty():
    from yewu.crm.loyalty import run_loyalty

    counts = run_loyalty()
    return counts if any(counts.values()) else None
