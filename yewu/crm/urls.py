from django.urls import path

from yewu.crm import loyalty_views, views, views_dashboard

app_name = "crm"


def _settings(prefix: str, name: str, list_view, detail_view, edit_view):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
    ]


urlpatterns = [
    path("dashboard/", views_dashboard.CustomerDashboardView.as_view(), name="dashboard"),
    path("leads/", views.LeadListView.as_view(), name="lead_list"),
    path("leads/add/", views.LeadEditView.as_view(), name="lead_add"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/edit/", views.LeadEditView.as_view(), name="lead_edit"),
    path("leads/<int:pk>/evaluate/", views.LeadEvaluateView.as_view(), name="lead_evaluate"),
    path("leads/<int:pk>/assign/", views.LeadAssignView.as_view(), name="lead_assign"),
    path("leads/<int:pk>/needs-analysis/", views.LeadNeedsAnalysisView.as_view(), name="lead_needs_analysis"),
    path("leads/<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead_convert"),
    path("leads/<int:pk>/close/", views.LeadCloseView.as_view(), name="lead_close"),
    path("leads/<int:pk>/merge/", views.LeadMergeView.as_view(), name="lead_merge"),
    path("leads/<int:pk>/communicate/", views.LeadCommunicateView.as_view(), name="lead_communicate"),
    path("customers/", views.CustomerListView.as_view(), name="customer_list"),
    path("customers/add/", views.CustomerEditView.as_view(), name="customer_add"),
    path("customers/import/", views.CustomerImportView.as_view(), name="customer_import"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<int:pk>/edit/", views.CustomerEditView.as_view(), name="customer_edit"),
    path("customers/<int:pk>/merge/", views.CustomerMergeView.as_view(), name="customer_merge"),
    path("customers/<int:pk>/contacts/", views.CustomerContactAddView.as_view(), name="customer_contact_add"),
    path("customers/<int:pk>/visits/", views.CustomerVisitPlanView.as_view(), name="customer_visit_plan"),
    path("customers/<int:pk>/communicate/", views.CustomerCommunicateView.as_view(), name="customer_communicate"),
    path("customers/<int:pk>/follow-ups/", views.CustomerFollowUpAddView.as_view(), name="customer_follow_up_add"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("visits/calendar/", views.VisitCalendarView.as_view(), name="visit_calendar"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("visits/<int:pk>/check-in/", views.VisitCheckInView.as_view(), name="visit_check_in"),
    path("visits/<int:pk>/cancel/", views.VisitCancelView.as_view(), name="visit_cancel"),
    path("communications/", views.CommunicationListView.as_view(), name="communication_list"),
    path("communications/<int:pk>/", views.CommunicationDetailView.as_view(), name="communication_detail"),
    path("follow-ups/", views.FollowUpListView.as_view(), name="followup_list"),
    path("follow-ups/<int:pk>/", views.FollowUpDetailView.as_view(), name="followup_detail"),
    path("follow-ups/<int:pk>/edit/", views.FollowUpEditView.as_view(), name="followup_edit"),
    path("follow-ups/<int:pk>/complete/", views.FollowUpCompleteView.as_view(), name="followup_complete"),
    path("follow-ups/<int:pk>/cancel/", views.FollowUpCancelView.as_view(), name="followup_cancel"),
    path("greetings/", views.CareTaskListView.as_view(), name="caretask_list"),
    path("greetings/<int:pk>/", views.CareTaskDetailView.as_view(), name="caretask_detail"),
    path("greetings/<int:pk>/sent/", views.CareTaskSentView.as_view(), name="caretask_sent"),
    path("greetings/<int:pk>/skip/", views.CareTaskSkipView.as_view(), name="caretask_skip"),
    *_settings("settings/lead-sources", "leadsource", views.LeadSourceListView, views.LeadSourceDetailView,
               views.LeadSourceEditView),
    *_settings("settings/customer-classes", "customerclass", views.CustomerClassListView,
               views.CustomerClassDetailView, views.CustomerClassEditView),
    *_settings("settings/holidays", "holiday", views.HolidayListView, views.HolidayDetailView,
               views.HolidayEditView),
    *_settings("settings/greeting-templates", "caretemplate", views.CareTemplateListView,
               views.CareTemplateDetailView, views.CareTemplateEditView),
    *loyalty_views.urlpatterns,
]
