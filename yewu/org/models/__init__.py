from yewu.org.models.departments import Department, Position, Team
from yewu.org.models.employees import Delegation, Employee, PartTimePosition

__all__ = ["Delegation", "Department", "Employee", "PartTimePosition", "Position", "Team"]
