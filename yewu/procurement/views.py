"""Procurement pages: generic lists, details and edits on the restricted queryset; every write
calls one service, and a refusal shows its message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
    XlsxImportView,
)
from yewu.procurement import budget, comparison, filters, forms, services
from yewu.procurement.choices import ORDERABLE_SUPPLIER, OrderStatus, SupplierStatus
from yewu.procurement.models import (
    PaymentRequest,
    PurchaseContract,
    PurchaseOrder,
    Quotation,
    Receipt,
    Requisition,
    Supplier,
    SupplierIssue,
)


def approval_context(instance: Any, user: Any) -> dict[str, Any]:
    """The approval trail and diagram of a record's approval (as the approval page shows them)."""
    if instance is None:
        return {}
    from yewu.workflow import inbox
    from yewu.workflow.views import export_url

    view = inbox.approval_view(instance, user)
    names = {t.step_id: t.name for t in view.tasks}
    if any(step_id not in names for ids in view.steps.values() for step_id in ids):
        names = {**inbox.diagram_step_names(instance), **names}
    return {
        "approval": instance,
        "trail": view.trail,
        "steps": view.steps,
        "step_names": {key: [names.get(s, s) for s in ids] for key, ids in view.steps.items()},
        "export_url": export_url(instance.version),
        "can_open_approval": permissions.can(user, "view", instance),
    }


class _PostOnly(ObjectActionView):
    """A POST-only action with an optional small form (reason, reference)."""

    form_class: Any = None

    def post(self, request, pk, **kwargs):
        obj = self.base_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        data = {}
        if self.form_class is not None:
            form = self.form_class(request.POST)
            if not form.is_valid():
                messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
                return redirect(obj.get_absolute_url())
            data = form.cleaned_data
        try:
            self.perform(obj, data)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(self.success_url(obj))

    def perform(self, obj, data):  # pragma: no cover - abstract
        raise NotImplementedError


class _RowsEditView(ObjectEditView):
    template_name = "procurement/form_with_rows.html"

    def get(self, request, *args, **kwargs):
        if self.object is not None and not self.object.can_edit():
            messages.info(request, _("%(record)s is %(status)s and can no longer be changed; amend it instead.")
                          % {"record": self.object, "status": self.object.get_status_display()})
            return redirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)


# --- requisitions --------------------------------------------------------------------------------


class RequisitionListView(ObjectListView):
    model = Requisition
    filterset_class = filters.RequisitionFilterSet
    select_related = ("department", "requester__employee")
    create_url_name = "procurement:requisition_add"
    columns = [
        Column("display_number", _("Number"), link=True),
        Column("title", _("Title")),
        Column("department", _("Requesting department")),
        Column("amount", _("Budget amount"), kind="money"),
        Column("needed_by", _("Needed by"), kind="date"),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("created_at", _("Created at"), kind="datetime"),
    ]


class RequisitionDetailView(ObjectDetailView):
    model = Requisition
    template_name = "procurement/requisition_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("department", _("Requesting department")),
        Column("requester_name", _("Requester")),
        Column("amount", _("Budget amount"), kind="money"),
        Column("needed_by", _("Needed by"), kind="date"),
        Column("purpose", _("Purpose"), kind="multiline"),
        Column("previous", _("Amends")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: Requisition = ctx["object"]
        user = self.request.user
        ctx.update(approval_context(obj.approval, user))
        ctx["lines"] = obj.lines.all()
        ctx["remaining_budget"] = budget.remaining(obj.department, obj.created_at.date())
        ctx["orders"] = PurchaseOrder.objects.restrict(user, "view").filter(requisition=obj).select_related("supplier")
        ctx["can_order"] = obj.can_order() and permissions.can_model(user, "add", PurchaseOrder)
        ctx["can_quote"] = obj.can_order() and permissions.can_model(user, "add", Quotation)
        ctx["quotation_count"] = Quotation.objects.restrict(user, "view").filter(requisition=obj).count()
        return ctx


class RequisitionEditView(_RowsEditView):
    model = Requisition
    form_class = forms.RequisitionForm

    def get_initial(self):
        employee = getattr(self.request.user, "employee", None) if hasattr(self.request.user, "employee") else None
        return {"department": employee.department_id} if self.object is None and employee is not None else {}

    def save(self, form):
        return services.save_requisition(self.object, form.cleaned_data, lines=form.rows("lines"),
                                         actor=self.request.user)


class RequisitionSubmitView(_PostOnly):
    model = Requisition

    def perform(self, obj, data):
        services.submit_requisition(obj, actor=self.request.user)


class RequisitionAmendView(_PostOnly):
    model = Requisition

    def perform(self, obj, data):
        self.new = services.amend_requisition(obj, actor=self.request.user)

    def success_url(self, obj):
        new = getattr(self, "new", None)
        return new.get_absolute_url() if new is not None else obj.get_absolute_url()


class RequisitionCancelView(_PostOnly):
    model = Requisition

    def perform(self, obj, data):
        services.cancel_requisition(obj, actor=self.request.user)


# --- suppliers -----------------------------------------------------------------------------------


class SupplierListView(ObjectListView):
    model = Supplier
    filterset_class = filters.SupplierFilterSet
    create_url_name = "procurement:supplier_add"
    columns = [
        Column("name", _("Name"), link=True),
        Column("credit_code", _("Unified social credit code")),
        Column("categories_text", _("Categories supplied")),
        Column("contact", _("Contact person")),
        Column("phone", _("Phone")),
        Column("get_status_display", _("Status"), kind="tag"),
    ]


class SupplierDetailView(ObjectDetailView):
    model = Supplier
    template_name = "procurement/supplier_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("status_reason", _("Reason of the status")),
        Column("credit_code", _("Unified social credit code")),
        Column("categories_text", _("Categories supplied")),
        Column("contact", _("Contact person")),
        Column("phone", _("Phone")),
        Column("email", _("E-mail")),
        Column("address", _("Address")),
        Column("bank_account", _("Bank and account")),
        Column("qualified_until", _("Qualified until"), kind="date"),
        Column("notes", _("Notes"), kind="multiline"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: Supplier = ctx["object"]
        user = self.request.user
        ctx["documents"] = obj.qualifications.all()
        ctx["qualification_form"] = forms.QualificationForm()
        ctx["evaluations"] = obj.evaluations.select_related("evaluated_by__employee")
        ctx["evaluation_form"] = forms.EvaluationForm()
        ctx["can_qualify"] = permissions.can(user, "qualify", obj)
        ctx["expiring_soon"] = obj.expiring_soon()
        ctx["orderable"] = obj.can_take_orders()
        ctx["on_list"] = obj.status in ORDERABLE_SUPPLIER
        ctx["status_actions"] = [
            (target, label) for target, label in (
                (SupplierStatus.QUALIFIED, _("Put on the qualified list")),
                (SupplierStatus.WARNED, _("Warn")),
                (SupplierStatus.SUSPENDED, _("Suspend")),
                (SupplierStatus.REMOVED, _("Remove")),
            ) if obj.status in services.SUPPLIER_TRANSITIONS.get(target, ())
        ]
        ctx["orders"] = PurchaseOrder.objects.restrict(user, "view").filter(supplier=obj)[:20]
        ctx["issues"] = SupplierIssue.objects.restrict(user, "view").filter(supplier=obj)[:20]
        return ctx


class SupplierEditView(ObjectEditView):
    model = Supplier
    form_class = forms.SupplierForm

    def save(self, form):
        return services.save_supplier(self.object, form.cleaned_data, actor=self.request.user)


class SupplierStatusView(_PostOnly):
    model = Supplier
    action = "qualify"
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        services.set_supplier_status(obj, self.kwargs["status"], actor=self.request.user, reason=data.get("reason", ""))


class SupplierImportView(XlsxImportView):
    """Upload an xlsx of suppliers; the page shows what was imported and each refused row's reasons."""

    model = Supplier
    template_name = "procurement/supplier_import.html"
    title = _("Import suppliers")
    importer = "yewu.procurement.importing.import_suppliers"


class SupplierEvaluateView(_PostOnly):
    model = Supplier
    action = "qualify"
    form_class = forms.EvaluationForm

    def perform(self, obj, data):
        services.evaluate_supplier(obj, data, actor=self.request.user)


class SupplierQualificationAddView(_PostOnly):
    model = Supplier
    form_class = forms.QualificationForm

    def perform(self, obj, data):
        services.add_qualification(obj, data, actor=self.request.user)


# --- purchase orders -----------------------------------------------------------------------------


class PurchaseOrderListView(ObjectListView):
    model = PurchaseOrder
    filterset_class = filters.PurchaseOrderFilterSet
    select_related = ("supplier", "department", "requisition")
    columns = [
        Column("display_number", _("Number"), link=True),
        Column("supplier", _("Supplier")),
        Column("requisition", _("Requisition")),
        Column("department", _("Requesting department")),
        Column("amount", _("Amount"), kind="money"),
        Column("delivery_date", _("Delivery date"), kind="date"),
        Column("get_status_display", _("Status"), kind="tag"),
    ]


class PurchaseOrderDetailView(ObjectDetailView):
    model = PurchaseOrder
    template_name = "procurement/purchaseorder_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("supplier", _("Supplier")),
        Column("requisition", _("Requisition")),
        Column("department", _("Requesting department")),
        Column("buyer_name", _("Buyer")),
        Column("amount", _("Amount"), kind="money"),
        Column("delivery_date", _("Delivery date"), kind="date"),
        Column("delivery_place", _("Delivery place")),
        Column("important", _("Important purchase"), kind="bool"),
        Column("needs_contract", _("Needs a contract"), kind="bool"),
        Column("quotation", _("Quotation")),
        Column("notes", _("Notes"), kind="multiline"),
        Column("previous", _("Amends")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: PurchaseOrder = ctx["object"]
        user = self.request.user
        ctx.update(approval_context(obj.approval, user))
        ctx["lines"] = [(line, line.accepted_quantity()) for line in obj.lines.all()]
        ctx["instalments"] = [(i, i.live_payment()) for i in obj.instalments.all()]
        ctx["receipts"] = Receipt.objects.restrict(user, "view").filter(order=obj)
        ctx["payments"] = PaymentRequest.objects.restrict(user, "view").filter(order=obj)
        ctx["accepted_value"] = obj.accepted_value()
        ctx["can_receive"] = obj.can_receive() and permissions.can_model(user, "add", Receipt)
        ctx["can_request_payment"] = permissions.can_model(user, "add", PaymentRequest)
        ctx["contract"] = PurchaseContract.objects.restrict(user, "view").filter(
            order__number=obj.number).order_by("-version").first()
        ctx["contract_missing"] = obj.contract_missing()
        ctx["can_draft_contract"] = (obj.live_contract() is None and permissions.can_model(user, "add", PurchaseContract)
                                     and obj.status not in (OrderStatus.SUPERSEDED, OrderStatus.CANCELLED,
                                                            OrderStatus.CLOSED))
        return ctx


class PurchaseOrderEditView(_RowsEditView):
    """A new order for an approved requisition (?requisition=pk, lines proposed from it) or a
    change to a draft or rejected one."""

    model = PurchaseOrder
    form_class = forms.PurchaseOrderForm

    def requisition(self) -> Requisition:
        pk = self.request.GET.get("requisition") or self.request.POST.get("requisition")
        req = Requisition.objects.restrict(self.request.user, "view").filter(pk=pk).first() if str(pk).isdecimal() else None
        if req is None:
            raise Http404
        return req

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object is None:
            req = self.requisition()
            kwargs["initial_rows"] = {"lines": [
                {"requisition_line": line.pk, "name": line.name, "specification": line.specification,
                 "quantity": line.quantity, "unit": line.unit, "unit_price": line.budget_price}
                for line in req.lines.all()
            ]}
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.object is None:
            ctx["requisition"] = self.requisition()
        return ctx

    def save(self, form):
        values = dict(form.cleaned_data)
        if self.object is None:
            values["requisition"] = self.requisition()
        return services.save_purchase_order(
            self.object, values, lines=form.rows("lines"), instalments=form.rows("instalments"),
            actor=self.request.user,
        )


class PurchaseOrderSubmitView(_PostOnly):
    model = PurchaseOrder

    def perform(self, obj, data):
        services.submit_purchase_order(obj, actor=self.request.user)


class PurchaseOrderAmendView(_PostOnly):
    model = PurchaseOrder

    def perform(self, obj, data):
        self.new = services.amend_purchase_order(obj, actor=self.request.user)

    def success_url(self, obj):
        new = getattr(self, "new", None)
        return new.get_absolute_url() if new is not None else obj.get_absolute_url()


class PurchaseOrderCancelView(_PostOnly):
    model = PurchaseOrder

    def perform(self, obj, data):
        services.cancel_purchase_order(obj, actor=self.request.user)


class PurchaseOrderReceiveView(ScopedMixin, TemplateView):
    """Record a delivery: per line the accepted and rejected quantities, and the inspection report."""

    model = PurchaseOrder
    template_name = "procurement/receive.html"

    def get_object(self):
        obj = self.base_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.get_object()
        ctx["lines"] = [(line, line.accepted_quantity()) for line in ctx["object"].lines.all()]
        ctx["title"] = _("Receive goods for %(order)s") % {"order": ctx["object"]}
        return ctx

    def post(self, request, pk):
        obj = self.get_object()
        lines = [
            {"order_line": line.pk, "accepted": request.POST.get(f"accepted-{line.pk}") or "0",
             "rejected": request.POST.get(f"rejected-{line.pk}") or "0", "note": request.POST.get(f"note-{line.pk}", "")}
            for line in obj.lines.all()
        ]
        try:
            receipt = services.record_receipt(
                obj, lines=lines, received_on=forms.forms.DateField(required=False).clean(request.POST.get("received_on")),
                report=request.POST.get("report", ""), actor=request.user,
            )
        except (DomainError, forms.forms.ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect(reverse("procurement:purchaseorder_receive", args=[obj.pk]))
        return redirect(receipt.get_absolute_url())


class PaymentRequestCreateView(_PostOnly):
    """Request payment of one instalment (a form on the order page)."""

    model = PurchaseOrder
    action = "view"
    form_class = forms.PaymentRequestForm

    def perform(self, obj, data):
        self.payment = services.request_payment(
            obj, instalment=data["instalment"], amount=data.get("amount"), note=data.get("note", ""),
            actor=self.request.user,
        )

    def success_url(self, obj):
        payment = getattr(self, "payment", None)
        return payment.get_absolute_url() if payment is not None else obj.get_absolute_url()


# --- receipts, issues, payments ------------------------------------------------------------------


class ReceiptListView(ObjectListView):
    model = Receipt
    filterset_class = filters.ReceiptFilterSet
    select_related = ("order__supplier",)
    columns = [
        Column("number", _("Number"), link=True),
        Column("order", _("Purchase order")),
        Column("order.supplier", _("Supplier")),
        Column("received_on", _("Received on"), kind="date"),
        Column("get_result_display", _("Inspection result"), kind="tag"),
    ]


class ReceiptDetailView(ObjectDetailView):
    model = Receipt
    template_name = "procurement/receipt_detail.html"
    fields = [
        Column("order", _("Purchase order")),
        Column("order.supplier", _("Supplier")),
        Column("received_on", _("Received on"), kind="date"),
        Column("inspector_name", _("Inspected by")),
        Column("get_result_display", _("Inspection result"), kind="tag"),
        Column("report", _("Inspection report"), kind="multiline"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["lines"] = ctx["object"].lines.select_related("order_line")
        return ctx


class SupplierIssueListView(ObjectListView):
    model = SupplierIssue
    filterset_class = filters.SupplierIssueFilterSet
    select_related = ("supplier", "order")
    columns = [
        Column("number", _("Number"), link=True),
        Column("supplier", _("Supplier")),
        Column("order", _("Purchase order")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("created_at", _("Created at"), kind="datetime"),
    ]


class SupplierIssueDetailView(ObjectDetailView):
    model = SupplierIssue
    template_name = "procurement/supplierissue_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("supplier", _("Supplier")),
        Column("order", _("Purchase order")),
        Column("receipt", _("Receipt")),
        Column("description", _("Description"), kind="multiline"),
        Column("resolution", _("Resolution"), kind="multiline"),
        Column("reporter_name", _("Reported by")),
    ]


class SupplierIssueResolveView(_PostOnly):
    model = SupplierIssue
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        services.resolve_supplier_issue(obj, resolution=data.get("reason", ""), actor=self.request.user)


class PaymentRequestListView(ObjectListView):
    model = PaymentRequest
    filterset_class = filters.PaymentRequestFilterSet
    select_related = ("order__supplier", "instalment")
    columns = [
        Column("number", _("Number"), link=True),
        Column("order", _("Purchase order")),
        Column("order.supplier", _("Supplier")),
        Column("instalment.seq", _("Instalment")),
        Column("amount", _("Amount"), kind="money"),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("paid_on", _("Paid on"), kind="date"),
    ]


class PaymentRequestDetailView(ObjectDetailView):
    model = PaymentRequest
    template_name = "procurement/paymentrequest_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("order", _("Purchase order")),
        Column("order.supplier", _("Supplier")),
        Column("instalment.seq", _("Instalment")),
        Column("amount", _("Amount"), kind="money"),
        Column("note", _("Note"), kind="multiline"),
        Column("requester_name", _("Requested by")),
        Column("checker_name", _("Checked by")),
        Column("paid_on", _("Paid on"), kind="date"),
        Column("reference", _("Payment reference")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: PaymentRequest = ctx["object"]
        user = self.request.user
        ctx["can_approve"] = obj.can_approve() and permissions.can(user, "approve", obj)
        ctx["can_pay"] = obj.can_pay() and permissions.can(user, "pay", obj)
        order = obj.order
        ctx["match"] = {"order": order.amount, "accepted": order.accepted_value(),
                        "committed": order.committed_payments()}
        return ctx


class PaymentApproveView(_PostOnly):
    model = PaymentRequest
    action = "approve"

    def perform(self, obj, data):
        services.approve_payment(obj, actor=self.request.user)


class PaymentRejectView(_PostOnly):
    model = PaymentRequest
    action = "approve"
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        services.reject_payment(obj, actor=self.request.user, reason=data.get("reason", ""))


class PaymentPayView(_PostOnly):
    model = PaymentRequest
    action = "pay"
    form_class = forms.PayForm

    def perform(self, obj, data):
        services.pay_payment(obj, actor=self.request.user, paid_on=data.get("paid_on"),
                             reference=data.get("reference", ""))


# --- quotations ----------------------------------------------------------------------------------


class QuotationListView(ObjectListView):
    model = Quotation
    filterset_class = filters.QuotationFilterSet
    select_related = ("supplier", "requisition")
    columns = [
        Column("number", _("Number"), link=True),
        Column("requisition", _("Requisition")),
        Column("supplier", _("Supplier")),
        Column("round", _("Round")),
        Column("amount", _("Total"), kind="money"),
        Column("expected_delivery", _("Delivery date"), kind="date"),
        Column("valid_until", _("Valid until"), kind="date"),
        Column("chosen", _("Chosen"), kind="bool"),
    ]


class QuotationDetailView(ObjectDetailView):
    model = Quotation
    template_name = "procurement/quotation_detail.html"
    fields = [
        Column("requisition", _("Requisition")),
        Column("supplier", _("Supplier")),
        Column("round", _("Round")),
        Column("amount", _("Total"), kind="money"),
        Column("delivery_days", _("Delivery in days")),
        Column("delivery_date", _("Delivery date"), kind="date"),
        Column("payment_terms", _("Payment terms")),
        Column("valid_until", _("Valid until"), kind="date"),
        Column("note", _("Note"), kind="multiline"),
        Column("chosen", _("Chosen"), kind="bool"),
        Column("choice_reason", _("Reason of the choice"), kind="multiline"),
        Column("recorder_name", _("Recorded by")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: Quotation = ctx["object"]
        user = self.request.user
        ctx["lines"] = obj.lines.select_related("requisition_line")
        ctx["valid"] = obj.is_valid_on()
        ctx["can_choose"] = (ctx["valid"] and not obj.chosen and permissions.can(user, "choose", obj)
                             and not comparison.choice_settled(obj.requisition))
        ctx["can_order"] = (ctx["valid"] and obj.chosen and obj.can_edit()
                            and permissions.can_model(user, "add", PurchaseOrder))
        ctx["can_requote"] = ctx["can_change"] and obj.can_edit()
        ctx["orders"] = PurchaseOrder.objects.restrict(user, "view").filter(quotation=obj)
        ctx["choose_form"] = forms.ChooseForm()
        return ctx


class QuotationEditView(ObjectEditView):
    """A new quotation for an approved requisition (?requisition=pk; the same supplier and round
    again replaces its quotation) or a re-quote of an existing one."""

    model = Quotation
    form_class = forms.QuotationForm

    def requisition(self) -> Requisition:
        if self.object is not None:
            return self.object.requisition
        pk = self.request.GET.get("requisition") or self.request.POST.get("requisition")
        req = Requisition.objects.restrict(self.request.user, "view").filter(pk=pk).first() if str(pk).isdecimal() else None
        if req is None:
            raise Http404
        return req

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["requisition"] = self.requisition()
        return kwargs

    def get_initial(self):
        if self.object is not None:
            return {}
        latest = self.requisition().quotations.order_by("-round").values_list("round", flat=True).first()
        return {"round": latest or 1}  # the current round of enquiry

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.object is None:
            ctx["title"] = _("New quotation for %(requisition)s") % {"requisition": self.requisition()}
        return ctx

    def save(self, form):
        values = form.values()
        if self.object is None:
            values["requisition"] = self.requisition()
        return services.save_quotation(self.object, values, lines=form.lines(), actor=self.request.user)


class QuotationChooseView(_PostOnly):
    model = Quotation
    action = "choose"
    form_class = forms.ChooseForm

    def perform(self, obj, data):
        services.choose_quotation(obj, reason=data.get("reason", ""), actor=self.request.user)

    def success_url(self, obj):
        return reverse("procurement:requisition_quotations", args=[obj.requisition_id])


class QuotationOrderView(_PostOnly):
    """Create the draft order from the chosen quotation (through the order service)."""

    model = Quotation

    action = "view"

    def perform(self, obj, data):
        self.order = services.order_from_quotation(obj, actor=self.request.user)

    def success_url(self, obj):
        order = getattr(self, "order", None)
        return order.get_absolute_url() if order is not None else obj.get_absolute_url()


class RequisitionQuotationsView(ScopedMixin, TemplateView):
    """The comparison of a requisition's quotations: lines × suppliers, lowest prices marked."""

    model = Requisition
    template_name = "procurement/quotation_comparison.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        req = self.base_queryset().filter(pk=self.kwargs["pk"]).first()
        if req is None:
            raise Http404
        user = self.request.user
        round_param = self.request.GET.get("round", "")
        result = comparison.compare(req, Quotation.objects.restrict(user, "view"),
                                    round_no=int(round_param) if round_param.isdecimal() else None)
        orders: dict[int, list[PurchaseOrder]] = {}
        for order in (PurchaseOrder.objects.restrict(user, "view").filter(quotation__requisition=req)
                      .exclude(status__in=(OrderStatus.CANCELLED, OrderStatus.SUPERSEDED))):
            orders.setdefault(order.quotation_id, []).append(order)
        choosable = set() if comparison.choice_settled(req) else set(Quotation.objects.restrict(user, "choose").filter(
            pk__in=[q.pk for q in result.quotations]).values_list("pk", flat=True))
        for q in result.quotations:
            q.placed_orders = orders.get(q.pk, [])
        ctx.update(
            object=req, cmp=result, title=_("Quotations for %(requisition)s") % {"requisition": req},
            choosable=choosable, choose_form=forms.ChooseForm(),
            can_quote=req.can_order() and permissions.can_model(user, "add", Quotation),
            can_order=permissions.can_model(user, "add", PurchaseOrder),
        )
        return ctx


# --- purchase contracts --------------------------------------------------------------------------


class PurchaseContractListView(ObjectListView):
    model = PurchaseContract
    filterset_class = filters.PurchaseContractFilterSet
    select_related = ("supplier", "order", "department")
    columns = [
        Column("display_number", _("Number"), link=True),
        Column("title", _("Title")),
        Column("order", _("Purchase order")),
        Column("supplier", _("Supplier")),
        Column("department", _("Requesting department")),
        Column("amount", _("Amount"), kind="money"),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("signed_on", _("Signed on"), kind="date"),
    ]


class PurchaseContractDetailView(ObjectDetailView):
    model = PurchaseContract
    template_name = "procurement/purchasecontract_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("order", _("Purchase order")),
        Column("supplier", _("Supplier")),
        Column("department", _("Requesting department")),
        Column("amount", _("Amount"), kind="money"),
        Column("order.amount", _("Order amount"), kind="money"),
        Column("drafter_name", _("Drafted by")),
        Column("signed_on", _("Signed on"), kind="date"),
        Column("signed_copy", _("Signed copy")),
        Column("previous", _("Amends")),
        Column("terms", _("Terms"), kind="multiline"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: PurchaseContract = ctx["object"]
        ctx.update(approval_context(obj.approval, self.request.user))
        ctx["sign_form"] = forms.SignContractForm()
        return ctx


class PurchaseContractEditView(ObjectEditView):
    """A new contract for an order (?order=pk; amount proposed from the order) or a changed draft."""

    model = PurchaseContract
    form_class = forms.PurchaseContractForm

    def order(self) -> PurchaseOrder:
        pk = self.request.GET.get("order") or self.request.POST.get("order")
        order = (PurchaseOrder.objects.restrict(self.request.user, "view").filter(pk=pk).select_related("supplier")
                 .first() if str(pk).isdecimal() else None)
        if order is None:
            raise Http404
        return order

    def get(self, request, *args, **kwargs):
        if self.object is not None and not self.object.can_edit():
            messages.info(request, _("%(record)s is %(status)s and can no longer be changed; amend it instead.")
                          % {"record": self.object, "status": self.object.get_status_display()})
            return redirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        if self.object is not None:
            return {}
        order = self.order()
        return {"amount": order.amount, "title": f"{order.supplier.name} 采购合同（{order.display_number}）"[:200]}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.object is None:
            ctx["title"] = _("New purchase contract for %(order)s") % {"order": self.order()}
        return ctx

    def save(self, form):
        values = dict(form.cleaned_data)
        if self.object is None:
            values["order"] = self.order()
        return services.save_contract(self.object, values, actor=self.request.user)


class PurchaseContractSubmitView(_PostOnly):
    model = PurchaseContract

    def perform(self, obj, data):
        services.submit_contract(obj, actor=self.request.user)


class PurchaseContractSignView(_PostOnly):
    """Record the signing: the date and the signed copy (an uploaded file)."""

    model = PurchaseContract

    def post(self, request, pk, **kwargs):
        obj = self.base_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        form = forms.SignContractForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
            return redirect(obj.get_absolute_url())
        try:
            services.sign_contract(obj, signed_on=form.cleaned_data.get("signed_on"),
                                   signed_copy=form.cleaned_data.get("signed_copy"), actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(obj.get_absolute_url())


class PurchaseContractFileView(_PostOnly):
    model = PurchaseContract

    def perform(self, obj, data):
        services.file_contract(obj, actor=self.request.user)


class PurchaseContractAmendView(_PostOnly):
    model = PurchaseContract

    def perform(self, obj, data):
        self.new = services.amend_contract(obj, actor=self.request.user)

    def success_url(self, obj):
        new = getattr(self, "new", None)
        return new.get_absolute_url() if new is not None else obj.get_absolute_url()


class PurchaseContractCancelView(_PostOnly):
    model = PurchaseContract

    def perform(self, obj, data):
        services.cancel_contract(obj, actor=self.request.user)
