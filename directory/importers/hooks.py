"""The hook the boundary import declares for the apps above ``directory``.

Records that live above ``directory`` also belong to a territory by their point: a
case belongs to the territory of its home. When an import changes boundaries, those
records must follow, but ``directory`` never imports the apps above it. It sends
``territories_changed`` inside the import's transaction (``send``, not ``send_robust``:
a receiver that fails undoes the import, and a dry run's rollback undoes the receivers'
writes too); each app connects its receiver in its ``AppConfig.ready()`` and re-assigns
its own records.

- ``territories_changed`` (``territory_ids``, ``actor``): these territories were created
  or their boundary or level changed. Each receiver returns what it did as
  ``{kind: count}`` (e.g. ``{"cases moved": 12, "cases outside every territory": 0}``),
  which the import report shows.
"""

from __future__ import annotations

from django.dispatch import Signal

territories_changed = Signal()
