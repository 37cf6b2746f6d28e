"""Customer-service error codes: each refusal of a rule names its code and a translated message."""

from django.utils.translation import gettext_lazy as _

from yewu.core.errors import ErrorCode


class ServiceError(ErrorCode):
    SPAM_HONEYPOT = "service.spam_honeypot", _("The form could not be accepted. Please try again.")
    SPAM_TOO_FAST = "service.spam_too_fast", _(
        "The form was sent too quickly after it was opened. Please read it through and send it again."
    )
    SPAM_RATE = "service.spam_rate", _(
        "Too many messages have been sent from your network. Please try again in an hour or call us."
    )
    CONTACT_REQUIRED = "service.contact_required", _("Give a phone number or an e-mail address so that we can reply.")
    CONSULTATION_CLOSED = "service.consultation_closed", _(
        "Consultation %(number)s is %(status)s; it can no longer be answered or routed."
    )
    CONSULTATION_NOT_CONVERTIBLE = "service.consultation_not_convertible", _(
        "Consultation %(number)s is %(status)s; only a consultation still waiting for its answer can be converted "
        "to a complaint."
    )
    ANSWER_REQUIRED = "service.answer_required", _("Write the answer to the customer.")
    COMPLAINT_NOT_RECEIVED = "service.complaint_not_received", _(
        "Complaint %(number)s is %(status)s; only a received complaint can be registered."
    )
    COMPLAINT_WRONG_STEP = "service.complaint_wrong_step", _(
        "Complaint %(number)s is %(status)s; this step is not the one waiting."
    )
    NOT_YOUR_TASK = "service.not_your_task", _(
        "The step %(step)s of complaint %(number)s is not assigned to you."
    )
    PROCESS_MISSING = "service.process_missing", _(
        "The complaint process is not installed; ask a process administrator to install it."
    )
    FIELD_REQUIRED = "service.field_required", _("Fill in %(field)s.")
    CORRECTIVE_ACTION_REQUIRED = "service.corrective_action_required", _(
        "Complaint %(number)s has an internal cause: record a corrective action before it can close."
    )
    HANDLER_REQUIRED = "service.handler_required", _("Choose the person who handles the complaint.")
    ACTION_BAD_TRANSITION = "service.action_bad_transition", _("The action is %(current)s; it cannot become %(target)s.")
    BAD_MONTH_RANGE = "service.bad_month_range", _("The month range must start before it ends and span at most 36 months.")
    BAD_PERIOD = "service.bad_period", _("The period must end on or after its start.")
    SURVEY_NOT_DRAFT = "service.survey_not_draft", _("Survey %(name)s is %(status)s; its questionnaire can no longer change.")
    SURVEY_NOT_OPEN = "service.survey_not_open", _("Survey %(name)s is not open for answers.")
    SURVEY_NO_QUESTIONS = "service.survey_no_questions", _("Add at least one question before opening the survey.")
    BAD_QUESTION = "service.bad_question", _("A single-choice question needs at least two options.")
    LINK_USED = "service.link_used", _("This survey has already been answered through this link. Thank you!")
    LINK_EXPIRED = "service.link_expired", _("This survey link has expired.")
    ANSWER_MISSING = "service.answer_missing", _("Answer the question: %(question)s")
    ANSWER_INVALID = "service.answer_invalid", _("The answer to \"%(question)s\" is not valid.")
    RESPONDENT_TWICE = "service.respondent_twice", _("%(customer)s is already a respondent of this survey.")
