"""The default regulation pack (BPMN/DMN files beside pack.py); see pack.py."""

from yewu.workflow.pack.pack import PROCESSES, PackProcess, get, install

__all__ = ["PROCESSES", "PackProcess", "get", "install"]
