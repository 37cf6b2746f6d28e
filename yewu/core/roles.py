"""Default roles shipped with Yewu: each grants model actions with a data scope. Idempotent."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from yewu.core.models import Grant
from yewu.core.scopes import Scope

A, S, D, OWN = Scope.ALL, Scope.SUBTREE, Scope.DEPARTMENT, Scope.OWN
PROCUREMENT_MODELS = (
    "requisition", "supplier", "supplierqualification", "purchaseorder", "receipt", "supplierissue",
    "paymentrequest", "supplierevaluation", "quotation", "purchasecontract",
)
#: CRM records people work on (owner + department); the settings below are company-wide reference data.
CRM_WORK_MODELS = ("lead", "customer", "contact", "visit", "communication", "followup", "caretask")
CRM_SETTINGS_MODELS = ("leadsource", "customerclass", "caretemplate", "holiday", "loyaltycomponent", "loyaltytier")
CRM_MODELS = CRM_WORK_MODELS + CRM_SETTINGS_MODELS
#: Customer service: consultations, complaints (scoped by the customer's owner and the responsible
#: department), corrective and improvement actions (by their owner), surveys (by who plans them).
SERVICE_MODELS = ("consultation", "complaint", "correctiveaction", "survey", "improvementaction")
SERVICE_ACTIONS = ("correctiveaction", "improvementaction")

# role key -> (name, {"app.codename": scope})
DEFAULT_ROLES: dict[str, tuple[object, dict[str, str]]] = {
    "staff": (
        _("Staff"),
        {
            "org.view_department": A, "org.view_position": A, "org.view_team": A,
            "org.view_employee": D, "org.view_parttimeposition": D,
            "org.view_delegation": OWN, "org.add_delegation": OWN, "org.change_delegation": OWN,
            "workflow.add_processinstance": OWN, "workflow.view_processinstance": OWN,
            "procurement.view_requisition": OWN, "procurement.add_requisition": OWN,
            "procurement.change_requisition": OWN,
            **{f"service.{action}_{model}": OWN for model in SERVICE_ACTIONS for action in ("view", "change")},
            "service.view_complaint": OWN,  # with the complaints handed to them to handle
        },
    ),
    "manager": (
        _("Department manager"),
        {
            "org.view_employee": S, "org.change_employee": S, "org.view_parttimeposition": S,
            "org.add_team": S, "org.change_team": S,
            "org.view_delegation": S, "org.add_delegation": S, "org.change_delegation": S,
            "workflow.view_processinstance": S,
            "procurement.view_requisition": S, "procurement.add_requisition": S,
            "procurement.view_purchaseorder": S, "procurement.view_receipt": S, "procurement.add_receipt": S,
            "procurement.view_paymentrequest": S, "procurement.view_supplier": A,
            "procurement.view_quotation": S, "procurement.view_purchasecontract": S,
            **{f"crm.{action}_{model}": S for model in CRM_WORK_MODELS for action in ("view", "add", "change")},
            "crm.evaluate_lead": S,
            **{f"crm.view_{model}": A for model in CRM_SETTINGS_MODELS},
            **{f"service.view_{model}": S for model in SERVICE_MODELS},
            "service.change_correctiveaction": S, "service.change_improvementaction": S,
        },
    ),
    "hr": (
        _("HR administrator"),
        {
            f"org.{action}_{model}": A
            for model in ("department", "position", "team", "employee", "parttimeposition", "delegation")
            for action in ("view", "add", "change", "delete")
        },
    ),
    "executive": (
        _("Executive"),
        {
            "org.view_department": A, "org.view_position": A, "org.view_team": A,
            "org.view_employee": A, "org.view_parttimeposition": A, "org.view_delegation": A,
            "workflow.view_processinstance": A,
            "workflow.view_processdefinition": A, "workflow.view_processversion": A,
            **{f"procurement.view_{model}": A for model in PROCUREMENT_MODELS},
            **{f"crm.view_{model}": A for model in CRM_MODELS},
            **{f"service.view_{model}": A for model in SERVICE_MODELS},
        },
    ),
    "auditor": (
        _("Auditor"),
        {
            "core.view_event": A, "org.view_department": A, "org.view_position": A, "org.view_team": A,
            "org.view_employee": A, "org.view_parttimeposition": A, "org.view_delegation": A,
            "workflow.view_processinstance": A,
            "workflow.view_processdefinition": A, "workflow.view_processversion": A,
            **{f"procurement.view_{model}": A for model in PROCUREMENT_MODELS},
            **{f"crm.view_{model}": A for model in CRM_MODELS},
            **{f"service.view_{model}": A for model in SERVICE_MODELS},
        },
    ),
    "process_admin": (
        _("Process administrator"),
        {
            "org.view_department": A, "org.view_position": A,
            **{
                f"workflow.{action}_{model}": A
                for model in ("processdefinition", "processversion")
                for action in ("view", "add", "change", "delete")
            },
        },
    ),
    "purchaser": (
        _("Purchaser"),
        {
            "org.view_department": A, "org.view_employee": A,
            **{
                f"procurement.{action}_{model}": A
                for model in ("supplier", "supplierqualification", "purchaseorder", "receipt", "supplierissue",
                              "supplierevaluation", "quotation", "purchasecontract")
                for action in ("view", "add", "change")
            },
            "procurement.qualify_supplier": A, "procurement.choose_quotation": A, "procurement.view_requisition": A,
            "procurement.view_paymentrequest": A, "procurement.add_paymentrequest": A,
            "workflow.view_processinstance": A,
        },
    ),
    "finance_clerk": (
        _("Finance (payments)"),
        {
            "org.view_department": A,
            **{f"procurement.view_{model}": A for model in PROCUREMENT_MODELS},
            "procurement.approve_paymentrequest": A, "procurement.pay_paymentrequest": A,
        },
    ),
    "legal_reviewer": (
        _("Legal review (purchase contracts)"),
        {
            "org.view_department": A,
            **{f"procurement.view_{model}": A for model in ("purchasecontract", "purchaseorder", "supplier",
                                                             "supplierqualification", "quotation")},
        },
    ),
    "sales": (
        _("Sales"),
        {
            "org.view_department": A, "org.view_employee": D,
            **{f"crm.{action}_{model}": OWN for model in CRM_WORK_MODELS for action in ("view", "add", "change")},
            **{f"crm.view_{model}": A for model in CRM_SETTINGS_MODELS},
            **{f"service.{action}_{model}": OWN for model in ("consultation", "complaint") for action in ("view", "add")},
        },
    ),
    "crm_admin": (
        _("CRM administrator"),
        {
            "org.view_department": A, "org.view_employee": A,
            **{f"crm.{action}_{model}": A for model in CRM_MODELS for action in ("view", "add", "change")},
            "crm.evaluate_lead": A,
        },
    ),
    "customer_service": (
        _("Customer service"),
        {
            "org.view_department": A, "org.view_employee": A, "workflow.view_processinstance": A,
            "crm.view_customer": A, "crm.view_contact": A,
            **{f"service.{action}_{model}": A for model in SERVICE_MODELS for action in ("view", "add", "change")},
        },
    ),
}

ROLE_NAMES = {
    "staff": "员工", "manager": "部门经理", "hr": "人事管理员", "executive": "公司领导", "auditor": "审计员",
    "process_admin": "流程管理员", "purchaser": "采购专员", "finance_clerk": "财务付款审核",
    "legal_reviewer": "法务审核",
    "sales": "销售", "crm_admin": "客户管理员", "customer_service": "客户服务",
}


@transaction.atomic
def ensure_default_roles() -> dict[str, Group]:
    """Create or top up the default roles (never removes grants an administrator added)."""
    roles: dict[str, Group] = {}
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for key, (_label, grants) in DEFAULT_ROLES.items():
        group, _created = Group.objects.get_or_create(name=ROLE_NAMES[key])
        for perm_name, scope in grants.items():
            perm = perms[perm_name]
            Grant.objects.update_or_create(role=group, permission=perm, defaults={"scope": scope})
        roles[key] = group
    return roles
