from django.urls import path

from yewu.workflow import views_definitions as views
from yewu.workflow.choices import VersionStatus

app_name = "processes"

urlpatterns = [
    path("", views.DefinitionListView.as_view(), name="definition_list"),
    path("add/", views.DefinitionEditView.as_view(), name="definition_add"),
    path("import/", views.DefinitionImportView.as_view(), name="definition_import"),
    path("<int:pk>/", views.DefinitionDetailView.as_view(), name="definition_detail"),
    path("<int:pk>/edit/", views.DefinitionEditView.as_view(), name="definition_edit"),
    path("<int:pk>/upload/", views.DefinitionUploadView.as_view(), name="definition_upload"),
    path("versions/", views.VersionListView.as_view(), name="version_list"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("versions/<int:pk>/export.bpmn", views.version_export, name="version_export"),
    path("versions/<int:pk>/details/", views.VersionDetailsView.as_view(), name="version_details"),
    path("versions/<int:pk>/steps/", views.VersionStepsView.as_view(), name="version_steps"),
    path("versions/<int:pk>/copy/", views.VersionCopyView.as_view(), name="version_copy"),
    path("versions/<int:pk>/modeler/", views.VersionModelerView.as_view(), name="version_modeler"),
    path("versions/<int:pk>/decision/", views.VersionDecisionView.as_view(), name="version_decision"),
    path("versions/<int:pk>/submit/", views.VersionSubmitView.as_view(), name="version_submit"),
    path("versions/<int:pk>/migrate/", views.VersionMigrateView.as_view(), name="version_migrate"),
    *[
        path(f"versions/<int:pk>/to-{status}/", views.VersionStatusView.as_view(target=status),
             name=f"version_to_{status}")
        for status in VersionStatus.values
    ],
]
