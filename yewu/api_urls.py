"""The REST API: each app contributes its viewsets to one router."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from yewu.core.api.errors import json_404
from yewu.core.api.views import EventViewSet, MeView, NotificationViewSet, SavedViewViewSet
from yewu.crm.api import loyalty as crm_loyalty
from yewu.crm.api import views as crm
from yewu.org.api.views import (
    DelegationViewSet,
    DepartmentViewSet,
    EmployeeViewSet,
    PositionViewSet,
    TeamViewSet,
)
from yewu.procurement.api.views import (
    PaymentRequestViewSet,
    PurchaseContractViewSet,
    PurchaseOrderViewSet,
    QuotationViewSet,
    ReceiptViewSet,
    RequisitionViewSet,
    SupplierIssueViewSet,
    SupplierViewSet,
)
from yewu.service.api import views as service
from yewu.workflow.api.definitions import ProcessDefinitionViewSet, ProcessVersionViewSet
from yewu.workflow.api.views import InstanceViewSet, TaskViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("org/departments", DepartmentViewSet, basename="department")
router.register("org/positions", PositionViewSet, basename="position")
router.register("org/groups", TeamViewSet, basename="team")
router.register("org/employees", EmployeeViewSet, basename="employee")
router.register("org/delegations", DelegationViewSet, basename="delegation")
router.register("core/events", EventViewSet, basename="event")
router.register("core/notifications", NotificationViewSet, basename="notification")
router.register("core/saved-views", SavedViewViewSet, basename="savedview")
router.register("workflow/instances", InstanceViewSet, basename="processinstance")
router.register("workflow/tasks", TaskViewSet, basename="task")
router.register("workflow/definitions", ProcessDefinitionViewSet, basename="processdefinition")
router.register("workflow/versions", ProcessVersionViewSet, basename="processversion")
router.register("procurement/requisitions", RequisitionViewSet, basename="requisition")
router.register("procurement/suppliers", SupplierViewSet, basename="supplier")
router.register("procurement/purchase-orders", PurchaseOrderViewSet, basename="purchaseorder")
router.register("procurement/receipts", ReceiptViewSet, basename="receipt")
router.register("procurement/supplier-issues", SupplierIssueViewSet, basename="supplierissue")
router.register("procurement/payment-requests", PaymentRequestViewSet, basename="paymentrequest")
router.register("crm/leads", crm.LeadViewSet, basename="lead")
router.register("crm/customers", crm.CustomerViewSet, basename="customer")
router.register("crm/contacts", crm.ContactViewSet, basename="contact")
router.register("crm/visits", crm.VisitViewSet, basename="visit")
router.register("crm/communications", crm.CommunicationViewSet, basename="communication")
router.register("crm/follow-ups", crm.FollowUpViewSet, basename="followup")
router.register("crm/greetings", crm.CareTaskViewSet, basename="caretask")
router.register("crm/lead-sources", crm.LeadSourceViewSet, basename="leadsource")
router.register("crm/customer-classes", crm.CustomerClassViewSet, basename="customerclass")
router.register("crm/holidays", crm.HolidayViewSet, basename="holiday")
router.register("crm/greeting-templates", crm.CareTemplateViewSet, basename="caretemplate")
router.register("crm/loyalty-components", crm_loyalty.LoyaltyComponentViewSet, basename="loyaltycomponent")
router.register("crm/loyalty-tiers", crm_loyalty.LoyaltyTierViewSet, basename="loyaltytier")
router.register("procurement/quotations", QuotationViewSet, basename="quotation")
router.register("procurement/purchase-contracts", PurchaseContractViewSet, basename="purchasecontract")
router.register("service/consultations", service.ConsultationViewSet, basename="consultation")
router.register("service/complaints", service.ComplaintViewSet, basename="complaint")
router.register("service/corrective-actions", service.CorrectiveActionViewSet, basename="correctiveaction")
router.register("service/surveys", service.SurveyViewSet, basename="survey")
router.register("service/improvement-actions", service.ImprovementActionViewSet, basename="improvementaction")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
# Anything else under /api/ answers a JSON 404 with a code, never an HTML page.
urlpatterns.append(path("<path:rest>", json_404))
