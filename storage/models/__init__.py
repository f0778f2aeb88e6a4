"""What the helpline stores, one module per part: the conversation, the cases and the agents'
desk (core.py), the review workspace (review.py), the patient's plan and follow-ups (plans.py).
Importing this package declares every table on `Base.metadata` (the migrations compare them).
Patient text is stored only after `storage.redaction.redact`."""

from storage.models.core import (
    CASE_IS_OPEN,
    Agent,
    Base,
    Case,
    CaseStatus,
    ChannelState,
    ChatMessage,
    GroupPost,
    HandledUpdate,
    Message,
    Outcome,
    Patient,
    PatientDelivery,
    PatientFlag,
    Priority,
    StrEnumText,
    utcnow,
)
from storage.models.inbound import ClaimState, InboundClaim, ThrottleMark  # issue 18.1
from storage.models.jobs import JobClaim  # background jobs across workers (issue 18)
from storage.models.plans import FollowupKind, PatientFollowup, PatientPlan
from storage.models.review import (
    DailyCount,
    LoginFailure,
    NLUAnnotation,
    ReviewAudit,
    ReviewSession,
    ReviewUser,
)
from storage.models.send_budget import BudgetLane, SendBudgetLane

__all__ = [
    "CASE_IS_OPEN",
    "Agent",
    "Base",
    "BudgetLane",
    "Case",
    "CaseStatus",
    "ChannelState",
    "ChatMessage",
    "ClaimState",
    "DailyCount",
    "FollowupKind",
    "GroupPost",
    "HandledUpdate",
    "InboundClaim",
    "JobClaim",
    "LoginFailure",
    "Message",
    "NLUAnnotation",
    "Outcome",
    "Patient",
    "PatientDelivery",
    "PatientFlag",
    "PatientFollowup",
    "PatientPlan",
    "Priority",
    "ReviewAudit",
    "ReviewSession",
    "ReviewUser",
    "SendBudgetLane",
    "StrEnumText",
    "ThrottleMark",
    "utcnow",
]
