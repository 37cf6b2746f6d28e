from django.shortcuts import render

from yewu.core.api.errors import json_404, json_500


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_404(request)
    return render(request, "core/error.html", {"status": 404}, status=404)


def forbidden(request, exception=None):
    return render(request, "core/error.html", {"status": 403}, status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_500(request)
    return render(request, "core/error.html", {"status": 500}, status=500)
