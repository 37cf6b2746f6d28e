from django.urls import path

from yewu.workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("batch-approve/", views.batch_approve, name="batch_approve"),
    path("all/", views.InstanceListView.as_view(), name="instance_list"),
    path("start/", views.start_list, name="start"),
    path("start/<slug:key>/", views.start_form, name="start_form"),
    path("<int:pk>/", views.InstanceDetailView.as_view(), name="instance_detail"),
    path("<int:pk>/print/", views.InstancePrintView.as_view(), name="instance_print"),
    path("<int:pk>/withdraw/", views.InstanceWithdrawView.as_view(), name="instance_withdraw"),
    path("<int:pk>/urge/", views.InstanceUrgeView.as_view(), name="instance_urge"),
    path("<int:pk>/cc/", views.InstanceCopyView.as_view(), name="instance_cc"),
    path("tasks/<int:pk>/approve/", views.TaskApproveView.as_view(), name="task_approve"),
    path("tasks/<int:pk>/reject/", views.TaskRejectView.as_view(), name="task_reject"),
    path("tasks/<int:pk>/submit/", views.TaskSubmitView.as_view(), name="task_submit"),
    path("tasks/<int:pk>/return/", views.TaskReturnView.as_view(), name="task_return"),
    path("tasks/<int:pk>/transfer/", views.TaskTransferView.as_view(), name="task_transfer"),
    path("tasks/<int:pk>/add-signer/", views.TaskAddSignerView.as_view(), name="task_add_signer"),
]
