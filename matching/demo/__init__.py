"""The matching app's part of the demo: its own records only (the policy's deadlines, referrals).

* ``referrals``: the demo's referrals, case by case through ``matching.services``
  (``DemoReferrals``); slots are taken through the moves ``demo/`` passes in
  (``SlotMoves``), since the waitlists app is above this one.
* ``bulk``: the benchmarks' past referrals in plain SQL (``ReferralsBulk``).

``demo/`` composes them with the other apps' loaders; this package imports nothing
above ``matching``.
"""

from matching.demo.bulk import BULK_TABLES, ReferralsBulk
from matching.demo.referrals import DemoReferrals, ReferralsEnded, SlotMoves

__all__ = ["BULK_TABLES", "DemoReferrals", "ReferralsBulk", "ReferralsEnded", "SlotMoves"]
