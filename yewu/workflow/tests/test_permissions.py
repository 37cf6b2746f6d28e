"""Where the permission registry looks for the workflow app's specs (see registered_specs() in
yewu/core/testing/permissions.py): the specs live beside their tests and are re-exported here.

- test_definition_permissions.py: process definitions and versions
- test_instance_permissions.py: approvals and tasks
"""

from yewu.workflow.tests.test_definition_permissions import DEFINITION_SPEC, VERSION_SPEC  # noqa: F401
from yewu.workflow.tests.test_instance_permissions import INSTANCE_SPEC, TASK_SPEC  # noqa: F401
