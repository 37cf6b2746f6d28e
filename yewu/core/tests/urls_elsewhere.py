"""A URLconf that puts approvals elsewhere (test_links: links follow the URLconf in force)."""

from django.http import HttpResponse
from django.urls import include, path


def _view(request, pk):  # pragma: no cover - never requested
    return HttpResponse()


urlpatterns = [
    path("elsewhere/", include(([path("a/<int:pk>/x/", _view, name="instance_detail")], "workflow"))),
]
