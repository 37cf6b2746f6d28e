"""Refusals of general-approval forms (通用审批): a submitted form, or a form definition, that cannot be used."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yewu.core.errors import DomainError, ErrorCode
from yewu.workflow.errors import WorkflowError


class FormSchemaError(ErrorCode):
    INVALID_SCHEMA = "workflow.invalid_form_schema", gettext_lazy(
        "The form definition cannot be used: %(errors)s"
    )


class FormError(DomainError):
    """A submitted form was refused (code workflow.invalid_form); `fields` maps field names to messages.

    The message lists every problem, each naming the field by its label, so the API and a page that
    shows one message are both clear; a page that shows errors beside inputs uses `fields`.
    """

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        # problems: (field name, label path, message) in the order of the form
        self.fields: dict[str, list[str]] = {}
        for name, _label, message in problems:
            self.fields.setdefault(name, []).append(message)
        text = _("; ").join(
            _("%(field)s: %(message)s") % {"field": label, "message": message} if label else message
            for _name, label, message in problems
        )
        super().__init__(WorkflowError.INVALID_FORM, errors=text)
