"""CRM error codes: each refusal of a rule names its code and a translated message."""

from django.utils.translation import gettext_lazy as _

from yewu.core.errors import ErrorCode


class CrmError(ErrorCode):
    BAD_TRANSITION = "crm.bad_transition", _("%(record)s is %(current)s; it cannot become %(target)s.")
    NAME_REQUIRED = "crm.name_required", _("Enter the name of the company or person.")
    CONTACT_REQUIRED = "crm.contact_required", _("Enter at least a phone number or an e-mail address.")
    BAD_CREDIT_CODE = "crm.bad_credit_code", _(
        "%(code)s is not a valid unified social credit code (18 characters with a matching check digit)."
    )
    BAD_EMAIL = "crm.bad_email", _("%(email)s is not a valid e-mail address.")
    BAD_PHONE = "crm.bad_phone", _("%(phone)s is not a phone number.")
    REASON_REQUIRED = "crm.reason_required", _("Give the reason.")
    LEAD_LOCKED = "crm.lead_locked", _("Lead %(number)s is %(status)s and can no longer be changed.")
    ASSIGNEE_INACTIVE = "crm.assignee_inactive", _("%(name)s is not an active employee and cannot take the lead.")
    ASSIGNEE_REQUIRED = "crm.assignee_required", _("Choose who takes the lead.")
    MERGE_SELF = "crm.merge_self", _("A record cannot be merged into itself.")
    MERGE_STATE = "crm.merge_state", _("%(record)s is %(status)s and cannot be merged.")
    CUSTOMER_MERGED = "crm.customer_merged", _(
        "Customer %(name)s was merged into %(into)s; work on that customer instead."
    )
    CLASS_REQUIRED = "crm.class_required", _("Choose the customer class.")
    DEPARTMENT_REQUIRED = "crm.department_required", _("Choose the owning department.")
    OWNER_INACTIVE = "crm.owner_inactive", _("%(name)s is not an active employee and cannot own customers.")
    CREDIT_LIMIT_NEGATIVE = "crm.credit_limit_negative", _("The credit limit cannot be below zero.")
    BAD_BIRTHDAY = "crm.bad_birthday", _("%(month)s/%(day)s is not a day of the year.")
    CONTACT_FOREIGN = "crm.contact_foreign", _("%(contact)s is not a contact of %(customer)s.")
    VISIT_STATE = "crm.visit_state", _("The visit is %(status)s; only planned visits can be checked in or cancelled.")
    VISIT_IN_PAST = "crm.visit_in_past", _("A visit cannot be planned for a day that has passed (%(date)s).")
    FOLLOW_UP_STATE = "crm.follow_up_state", _("The follow-up is %(status)s; it is no longer open.")
    FOLLOW_UP_DUE_PAST = "crm.follow_up_due_past", _("The follow-up date %(date)s has already passed.")
    COMMUNICATION_TARGET = "crm.communication_target", _("A communication belongs to a customer or a lead.")
    CARE_STATE = "crm.care_state", _("The greeting is %(status)s; it is no longer open.")
    CADENCE_NEGATIVE = "crm.cadence_negative", _("The follow-up cadence is a number of days, zero or more.")
    CODE_TAKEN = "crm.code_taken", _("The code %(code)s is already used.")
    IMPORT_UNREADABLE = "crm.import_unreadable", _("The file cannot be read as an xlsx workbook.")
    IMPORT_NO_NAME_COLUMN = "crm.import_no_name_column", _(
        "The first row of the sheet must name the columns, with a column for the customer name."
    )
    IMPORT_TOO_MANY_ROWS = "crm.import_too_many_rows", _(
        "The sheet has more than %(limit)s rows; split it into smaller files."
    )
    INTAKE_WRONG_STEP = "crm.intake_wrong_step", _(
        "The business intake of lead %(number)s is not waiting for the %(step)s."
    )
    INTAKE_NOT_YOUR_TASK = "crm.intake_not_your_task", _(
        "The %(step)s of lead %(number)s is not assigned to you."
    )
    INTAKE_STEP_MISSING = "crm.intake_step_missing", _(
        "Lead %(number)s has no %(step)s yet: complete that step on the lead's page."
    )
    INTAKE_END_ON_LEAD = "crm.intake_end_on_lead", _(
        "The business intake of lead %(number)s cannot be rejected or withdrawn here; close the lead on its page instead."
    )
    NEEDS_ANALYSIS_REQUIRED = "crm.needs_analysis_required", _(
        "Write the needs analysis summary or attach the needs analysis report to the lead first."
    )
