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
    SAVED_VIEW_NAME_REQUIRED = "core.saved_view_name_required", _("Give the view a name.")
    SAVED_VIEW_NAME_TOO_LONG = "core.saved_view_name_too_long", _(
        "A view name can have at most %(limit)s characters."
    )
    SAVED_VIEW_NAME_INVALID = "core.saved_view_name_invalid", _("A view name cannot contain control characters.")
    SAVED_VIEW_NAME_TAKEN = "core.saved_view_name_taken", _("You already have a view named %(name)s on this list.")
    SAVED_VIEW_LIMIT = "core.saved_view_limit", _(
        "You can keep at most %(limit)s views on one list. Delete one first."
    )
    SAVED_VIEW_UNKNOWN_LIST = "core.saved_view_unknown_list", _("There is no list %(list)s to save a view of.")
    SAVED_VIEW_UNKNOWN_FILTER = "core.saved_view_unknown_filter", _(
        "This list has no filter %(params)s; a view can only save the list's own filters."
    )
    SAVED_VIEW_QUERY_TOO_LONG = "core.saved_view_query_too_long", _(
        "These filters are too long to save as a view (at most %(limit)s characters)."
    )
    SAVED_VIEW_NOT_OWNER = "core.saved_view_not_owner", _(
        "Only the person who saved a view can change or delete it."
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
