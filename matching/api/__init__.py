"""REST API of cases, alerts, options and referrals. Thin: selectors read, services write.

One module per resource (``cases``, ``options``, ``alerts``, ``referrals``, ``provider``,
``coordination``, ``policy``) and ``common`` for what they share. The views are named
here so that ``matching.api_urls`` wires ``api.<View>`` as before.

Objects one may not see answer 404, as if they did not exist; a role that has no
business with a whole endpoint gets 403.
"""

from matching.api.alerts import AlertCreateView
from matching.api.cases import CaseConsentView, CaseDetailView, CaseListView, CasePriorityView
from matching.api.coordination import MultipleAlertsView, OverdueReferralsView
from matching.api.options import CaseOptionsView
from matching.api.policy import PolicyView
from matching.api.provider import ProviderReferralDetailView, ProviderReferralListView
from matching.api.referral_links import ReferralLinkView
from matching.api.referrals import ReferralCreateView, ReferralTransitionView

__all__ = [
    "AlertCreateView",
    "CaseConsentView",
    "CaseDetailView",
    "CaseListView",
    "CaseOptionsView",
    "CasePriorityView",
    "MultipleAlertsView",
    "OverdueReferralsView",
    "PolicyView",
    "ProviderReferralDetailView",
    "ProviderReferralListView",
    "ReferralCreateView",
    "ReferralLinkView",
    "ReferralTransitionView",
]
