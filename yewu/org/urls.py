from django.urls import path

from yewu.org import views

app_name = "org"

urlpatterns = [
    path("chart/", views.org_chart, name="chart"),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/add/", views.DepartmentEditView.as_view(), name="department_add"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department_detail"),
    path("departments/<int:pk>/edit/", views.DepartmentEditView.as_view(), name="department_edit"),
    path("departments/<int:pk>/deactivate/", views.DepartmentDeactivateView.as_view(), name="department_deactivate"),
    path("positions/", views.PositionListView.as_view(), name="position_list"),
    path("positions/add/", views.PositionEditView.as_view(), name="position_add"),
    path("positions/<int:pk>/", views.PositionDetailView.as_view(), name="position_detail"),
    path("positions/<int:pk>/edit/", views.PositionEditView.as_view(), name="position_edit"),
    path("groups/", views.TeamListView.as_view(), name="team_list"),
    path("groups/add/", views.TeamEditView.as_view(), name="team_add"),
    path("groups/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("groups/<int:pk>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("employees/", views.EmployeeListView.as_view(), name="employee_list"),
    path("employees/add/", views.EmployeeEditView.as_view(), name="employee_add"),
    path("employees/<int:pk>/", views.EmployeeDetailView.as_view(), name="employee_detail"),
    path("employees/<int:pk>/edit/", views.EmployeeEditView.as_view(), name="employee_edit"),
    path("employees/<int:pk>/part-time/", views.EmployeePartTimeAddView.as_view(), name="employee_part_time_add"),
    path("part-time/<int:pk>/remove/", views.EmployeePartTimeRemoveView.as_view(), name="part_time_remove"),
    path("employees/<int:pk>/resign/", views.EmployeeResignView.as_view(), name="employee_resign"),
    path("delegations/", views.DelegationListView.as_view(), name="delegation_list"),
    path("delegations/add/", views.DelegationCreateView.as_view(), name="delegation_add"),
    path("delegations/<int:pk>/", views.DelegationDetailView.as_view(), name="delegation_detail"),
    path("delegations/<int:pk>/cancel/", views.DelegationCancelView.as_view(), name="delegation_cancel"),
]
