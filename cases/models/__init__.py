"""The case file's models: the record (``file``), admissibility, closure."""

from cases.models.admissibility import AdmissibilityCriterion, AdmissibilityDecision
from cases.models.closure import CaseClosure, CaseReopening, ClosureStatus
from cases.models.file import (
    CODE_ALPHABET,
    RISK_BANDS,
    VERIFIED_CLOSE_REASONS,
    Admissibility,
    Alert,
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

__all__ = [
    "CODE_ALPHABET",
    "RISK_BANDS",
    "VERIFIED_CLOSE_REASONS",
    "Admissibility",
    "AdmissibilityCriterion",
    "AdmissibilityDecision",
    "Alert",
    "AlertStatus",
    "AlertType",
    "Case",
    "CaseCloseReason",
    "CaseClosure",
    "CaseIdentity",
    "CaseNeed",
    "CaseReopening",
    "CaseStatus",
    "ClosureStatus",
    "Consent",
    "ConsentScope",
    "FollowUp",
    "FollowUpKind",
    "FollowUpResult",
    "NeedStatus",
    "VulnerabilityFactor",
    "age_in_years",
    "case_code_new",
]
