from django.urls import path

from yewu.procurement import views, views_reports

app_name = "procurement"

urlpatterns = [
    path("dashboard/", views_reports.ProcurementDashboardView.as_view(), name="dashboard"),
    path("orders/<int:pk>/pdf/", views_reports.PurchaseOrderPdfView.as_view(), name="purchaseorder_pdf"),
    path("requisitions/", views.RequisitionListView.as_view(), name="requisition_list"),
    path("requisitions/add/", views.RequisitionEditView.as_view(), name="requisition_add"),
    path("requisitions/<int:pk>/", views.RequisitionDetailView.as_view(), name="requisition_detail"),
    path("requisitions/<int:pk>/edit/", views.RequisitionEditView.as_view(), name="requisition_edit"),
    path("requisitions/<int:pk>/submit/", views.RequisitionSubmitView.as_view(), name="requisition_submit"),
    path("requisitions/<int:pk>/amend/", views.RequisitionAmendView.as_view(), name="requisition_amend"),
    path("requisitions/<int:pk>/cancel/", views.RequisitionCancelView.as_view(), name="requisition_cancel"),
    path("suppliers/", views.SupplierListView.as_view(), name="supplier_list"),
    path("suppliers/add/", views.SupplierEditView.as_view(), name="supplier_add"),
    path("suppliers/import/", views.SupplierImportView.as_view(), name="supplier_import"),
    path("suppliers/<int:pk>/", views.SupplierDetailView.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.SupplierEditView.as_view(), name="supplier_edit"),
    path("suppliers/<int:pk>/status/<str:status>/", views.SupplierStatusView.as_view(), name="supplier_status"),
    path("suppliers/<int:pk>/evaluate/", views.SupplierEvaluateView.as_view(), name="supplier_evaluate"),
    path("suppliers/<int:pk>/documents/", views.SupplierQualificationAddView.as_view(), name="supplier_document_add"),
    path("orders/", views.PurchaseOrderListView.as_view(), name="purchaseorder_list"),
    path("orders/add/", views.PurchaseOrderEditView.as_view(), name="purchaseorder_add"),
    path("orders/<int:pk>/", views.PurchaseOrderDetailView.as_view(), name="purchaseorder_detail"),
    path("orders/<int:pk>/edit/", views.PurchaseOrderEditView.as_view(), name="purchaseorder_edit"),
    path("orders/<int:pk>/submit/", views.PurchaseOrderSubmitView.as_view(), name="purchaseorder_submit"),
    path("orders/<int:pk>/amend/", views.PurchaseOrderAmendView.as_view(), name="purchaseorder_amend"),
    path("orders/<int:pk>/cancel/", views.PurchaseOrderCancelView.as_view(), name="purchaseorder_cancel"),
    path("orders/<int:pk>/receive/", views.PurchaseOrderReceiveView.as_view(), name="purchaseorder_receive"),
    path("orders/<int:pk>/request-payment/", views.PaymentRequestCreateView.as_view(), name="purchaseorder_request_payment"),
    path("receipts/", views.ReceiptListView.as_view(), name="receipt_list"),
    path("receipts/<int:pk>/", views.ReceiptDetailView.as_view(), name="receipt_detail"),
    path("issues/", views.SupplierIssueListView.as_view(), name="supplierissue_list"),
    path("issues/<int:pk>/", views.SupplierIssueDetailView.as_view(), name="supplierissue_detail"),
    path("issues/<int:pk>/resolve/", views.SupplierIssueResolveView.as_view(), name="supplierissue_resolve"),
    path("payments/", views.PaymentRequestListView.as_view(), name="paymentrequest_list"),
    path("payments/<int:pk>/", views.PaymentRequestDetailView.as_view(), name="paymentrequest_detail"),
    path("payments/<int:pk>/approve/", views.PaymentApproveView.as_view(), name="paymentrequest_approve"),
    path("payments/<int:pk>/reject/", views.PaymentRejectView.as_view(), name="paymentrequest_reject"),
    path("payments/<int:pk>/pay/", views.PaymentPayView.as_view(), name="paymentrequest_pay"),
]
