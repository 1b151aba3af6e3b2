"""The hooks the case file declares for the apps above it.

``cases`` sits below ``matching`` and ``waitlists`` and never imports them; what must
happen up there when the case file changes is connected here, by the higher app, in its
``AppConfig.ready()``. Each signal is sent inside the writing transaction, so a
receiver that fails undoes the write (``send``, not ``send_robust``).

- ``case_changed`` (``case``): something that the priority reads changed (the case's
  fields, its needs, an alert). ``matching`` rescores the case and refreshes the
  priority fields on the instance it receives.
- ``case_closing`` (``case``, ``actor``): the case is about to close. ``matching``
  withdraws its open referrals, which frees their slots and waitlist places.
- ``cases_anonymising`` (``case_ids``): retention is anonymising these closed cases.
  Each app blanks the free text of its own records about them (``matching`` its
  referrals and their events, ``waitlists`` its waitlist events).
"""

from __future__ import annotations

from django.dispatch import Signal

case_changed = Signal()
case_closing = Signal()
cases_anonymising = Signal()
