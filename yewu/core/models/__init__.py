from yewu.core.models.audit import CaseHead, Event, Seal
from yewu.core.models.collab import Attachment, Comment, Copies, Notification
from yewu.core.models.numbering import NumberSequence
from yewu.core.models.saved_views import SavedView
from yewu.core.models.security import Grant, LoginFailure

__all__ = [
    "Attachment",
    "CaseHead",
    "Comment",
    "Copies",
    "Event",
    "Grant",
    "LoginFailure",
    "Notification",
    "NumberSequence",
    "SavedView",
    "Seal",
]
