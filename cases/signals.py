"""The hooks the case file declares for the apps above it.

``cases`` sits below ``matching`` and ``waitlists`` and never imports them; what must
happen up there when the case file changes is connected here, by the higher app, in its
``AppConfig.ready()``. Each signal is sent inside the writing transaction, so a
receiver that fails undoes the write (``send``, not ``send_robust``).

- ``case_changed`` (``case``): something that the priority reads changed (the case's
  fields, its needs, an alert). ``matching`` rescores the case and refreshes the
  priority fields on the instance it receives.
- ``case_places_releasing`` then ``case_closing`` (``case``, ``actor``): the case is
  about to close. First ``waitlists`` takes it off every list, declines its offers and
  ends its enrolments (freeing the slots); then ``matching`` withdraws the referrals
  still open. Two signals, not one, because the order is the locks' order (site, entry,
  referral): a receiver list's order is only the order the apps happened to connect.
  Each receiver returns what it resolved, ``{kind: count}``, which the closing records
  and shows.
- ``cases_anonymising`` (``case_ids``): retention is anonymising these closed cases.
  Each app blanks the free text of its own records about them (``matching`` its
  referrals and their events, ``waitlists`` its waitlist events).
"""

from __future__ import annotations

from django.dispatch import Signal

case_changed = Signal()
case_places_releasing = Signal()
case_closing = Signal()
cases_anonymising = Signal()
