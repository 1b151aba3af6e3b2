"""The case file's models: the record (``file``), admissibility, closure."""

from cases.models.admissibility import AdmissibilityCriterion, AdmissibilityDecision
from cases.models.closure import CaseClosure, CaseReopening, ClosureStatus
from cases.models.file import (
    CODE_ALPHABET,
    RISK_BANDS,
    VERIFIED_CLOSE_REASONS,
    Admissibility,
    Alert,
    AlertKind,
    AlertStatus,
    AlertType,
    Case,
    CaseCloseReason,
    CaseIdentity,
    CaseNeed,
    CaseStatus,
    Consent,
    ConsentScope,
    NeedStatus,
    VulnerabilityFactor,
    age_in_years,
    case_code_new,
)
from cases.models.follow_up import FollowUp, FollowUpKind, FollowUpResult
from cases.models.notes import CaseNote, NoteVisibility
from cases.models.route import CaseRoute, RouteDecision

__all__ = [
    "CODE_ALPHABET",
    "RISK_BANDS",
    "VERIFIED_CLOSE_REASONS",
    "Admissibility",
    "AdmissibilityCriterion",
    "AdmissibilityDecision",
    "Alert",
    "AlertKind",
    "AlertStatus",
    "AlertType",
    "Case",
    "CaseCloseReason",
    "CaseClosure",
    "CaseIdentity",
    "CaseNeed",
    "CaseNote",
    "CaseReopening",
    "CaseRoute",
    "CaseStatus",
    "ClosureStatus",
    "Consent",
    "ConsentScope",
    "FollowUp",
    "FollowUpKind",
    "FollowUpResult",
    "NeedStatus",
    "NoteVisibility",
    "RouteDecision",
    "VulnerabilityFactor",
    "age_in_years",
    "case_code_new",
]
