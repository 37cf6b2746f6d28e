"""Business-rule errors: a stable code plus a translated message, shown by the web and the API."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    """Base for each app's error codes: value = code, label = message template (named placeholders)."""


class CoreError(ErrorCode):
    PERMISSION_DENIED = "core.permission_denied", _("You do not have permission to do this.")
    OUT_OF_SCOPE = "core.out_of_scope", _("This record is outside the data you may work with.")
    ATTACHMENT_TOO_LARGE = "core.attachment_too_large", _(
        "The file %(name)s is %(size)s; the limit is %(limit)s."
    )
    ATTACHMENT_TYPE = "core.attachment_type", _(
        "Files of type .%(ext)s are not accepted. Allowed: %(allowed)s."
    )
    ATTACHMENT_EMPTY = "core.attachment_empty", _("The file %(name)s is empty.")
    COMMENT_EMPTY = "core.comment_empty", _("A comment cannot be empty.")
    APPEND_ONLY = "core.append_only", _("Audit events are append-only and cannot be changed or deleted.")
    ACCOUNT_LOCKED = "core.account_locked", _(
        "Too many failed sign-in attempts. Try again after %(minutes)s minutes."
    )


class DomainError(Exception):
    """Raised by services when a business rule refuses an action; nothing has been saved."""

    def __init__(self, code: ErrorCode, /, **params: Any) -> None:
        self.code = code.value
        self.template = code.label
        self.params = params
        super().__init__(self.code)

    @property
    def message(self) -> str:
        template = str(self.template)
        return template % self.params if self.params else template

    def __str__(self) -> str:
        return self.message
