from yewu.crm.models.activities import CareTask, Communication, FollowUp, Visit
from yewu.crm.models.config import CareTemplate, CustomerClass, Holiday, LeadSource
from yewu.crm.models.customers import Contact, Customer
from yewu.crm.models.leads import Lead
from yewu.crm.models.loyalty import LoyaltyComponent, LoyaltyScore, LoyaltyTier

__all__ = [
    "CareTask",
    "CareTemplate",
    "Communication",
    "Contact",
    "Customer",
    "CustomerClass",
    "FollowUp",
    "Holiday",
    "Lead",
    "LeadSource",
    "LoyaltyComponent",
    "LoyaltyScore",
    "LoyaltyTier",
    "Visit",
]
