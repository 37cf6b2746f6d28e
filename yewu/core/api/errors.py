"""API errors are JSON with a stable code and a translated message; never an HTML page or a traceback."""

from __future__ import annotations

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from yewu.core.errors import CoreError, DomainError

log = logging.getLogger(__name__)

_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def _messages(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_messages(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(_messages(v) for v in detail)
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        http = status.HTTP_403_FORBIDDEN if exc.code in (
            CoreError.PERMISSION_DENIED, CoreError.OUT_OF_SCOPE, CoreError.SAVED_VIEW_NOT_OWNER
        ) else status.HTTP_400_BAD_REQUEST
        if exc.code == CoreError.OUT_OF_SCOPE:
            http = status.HTTP_404_NOT_FOUND
        body = {"code": exc.code, "message": exc.message}
        if getattr(exc, "fields", None):  # a refused form names each field's problems
            body["fields"] = exc.fields
        return Response(body, status=http)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"code": "request_too_large", "message": _("The request body is too large.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(_("The request has too many fields or files."))
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request cannot be accepted."))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        log.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"code": "server_error", "message": _("An unexpected error occurred. It has been logged.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": _("The request is not valid."), "fields": response.data}
    else:
        body = {"code": code, "message": _messages(response.data.get("detail", response.data)
                                                   if isinstance(response.data, dict) else response.data)}
    response.data = body
    return response


@csrf_exempt
def json_404(request, rest: str = "", exception=None):
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


def json_500(request):
    return JsonResponse(
        {"code": "server_error", "message": _("An unexpected error occurred. It has been logged.")}, status=500
    )
