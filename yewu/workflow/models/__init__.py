from yewu.workflow.models.definitions import ProcessDefinition, ProcessVersion
from yewu.workflow.models.instances import CarbonCopy, ProcessInstance, Task

__all__ = ["CarbonCopy", "ProcessDefinition", "ProcessInstance", "ProcessVersion", "Task"]
