from yewu.service.models.complaints import Complaint, CorrectiveAction
from yewu.service.models.consultations import Consultation
from yewu.service.models.surveys import Answer, ImprovementAction, Question, Respondent, Survey

__all__ = [
    "Answer",
    "Complaint",
    "Consultation",
    "CorrectiveAction",
    "ImprovementAction",
    "Question",
    "Respondent",
    "Survey",
]
