from django.urls import path

from yewu.service import views as v

app_name = "service"

urlpatterns = [
    path("contact/", v.ContactView.as_view(), name="contact"),
    path("s/<str:token>/", v.SurveyAnswerView.as_view(), name="survey_answer"),
    path("consultations/", v.ConsultationListView.as_view(), name="consultation_list"),
    path("consultations/new/", v.ConsultationCreateView.as_view(), name="consultation_add"),
    path("consultations/<int:pk>/", v.ConsultationDetailView.as_view(), name="consultation_detail"),
    path("consultations/<int:pk>/answer/", v.ConsultationAnswerView.as_view(), name="consultation_answer"),
    path("consultations/<int:pk>/route/", v.ConsultationRouteView.as_view(), name="consultation_route"),
    path("consultations/<int:pk>/convert/", v.ConsultationConvertView.as_view(), name="consultation_convert"),
    path("complaints/", v.ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/new/", v.ComplaintCreateView.as_view(), name="complaint_add"),
    path("complaints/statistics/", v.ComplaintStatsView.as_view(), name="complaint_stats"),
    path("complaints/<int:pk>/", v.ComplaintDetailView.as_view(), name="complaint_detail"),
    path("complaints/<int:pk>/register/", v.ComplaintRegisterView.as_view(), name="complaint_register"),
    path("complaints/<int:pk>/step/<str:step>/", v.ComplaintStepView.as_view(), name="complaint_step"),
    path("complaints/<int:pk>/corrective-action/", v.CorrectiveActionAddView.as_view(),
         name="complaint_corrective_action"),
    path("corrective-actions/", v.CorrectiveActionListView.as_view(), name="correctiveaction_list"),
    path("corrective-actions/<int:pk>/", v.CorrectiveActionDetailView.as_view(), name="correctiveaction_detail"),
    path("corrective-actions/<int:pk>/done/", v.CorrectiveActionMoveView.as_view(), name="correctiveaction_done"),
    path("corrective-actions/<int:pk>/verify/", v.CorrectiveActionMoveView.as_view(move="verify"),
         name="correctiveaction_verify"),
    path("surveys/", v.SurveyListView.as_view(), name="survey_list"),
    path("surveys/new/", v.SurveyCreateView.as_view(), name="survey_add"),
    path("surveys/<int:pk>/", v.SurveyDetailView.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/<str:what>/", v.SurveyActionView.as_view(), name="survey_action"),
    path("surveys/<int:pk>/respondents/<int:rid>/enter/", v.RespondentEntryView.as_view(), name="respondent_enter"),
    path("improvements/", v.ImprovementActionListView.as_view(), name="improvementaction_list"),
    path("improvements/<int:pk>/", v.ImprovementActionDetailView.as_view(), name="improvementaction_detail"),
    path("improvements/<int:pk>/done/", v.ImprovementActionMoveView.as_view(), name="improvementaction_done"),
    path("improvements/<int:pk>/verify/", v.ImprovementActionMoveView.as_view(move="verify"),
         name="improvementaction_verify"),
]
