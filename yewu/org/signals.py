"""Signals other apps listen to when the organisation changes (org does not import them)."""

from django.dispatch import Signal

#: Sent inside resign_employee's transaction, after the employee is marked resigned:
#: `employee`, `actor`. The approval centre hands the person's open tasks over.
employee_resigned = Signal()
