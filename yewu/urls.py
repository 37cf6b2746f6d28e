from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("", include("yewu.core.urls")),
    path("org/", include("yewu.org.urls")),
    path("approvals/", include("yewu.workflow.urls")),
    path("processes/", include("yewu.workflow.urls_definitions")),
    path("procurement/", include("yewu.procurement.urls")),
    path("crm/", include("yewu.crm.urls")),
    path("service/", include("yewu.service.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/login/", RedirectView.as_view(pattern_name="core:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/", include("yewu.api_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "yewu.core.views.errors.not_found"
handler500 = "yewu.core.views.errors.server_error"
handler403 = "yewu.core.views.errors.forbidden"
