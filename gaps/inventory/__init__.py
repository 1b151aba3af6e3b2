"""The nightly gap inventory: one snapshot per day, per territory and category.

Demand: children, placed at points spread over each most specific territory
(``ST_GeneratePoints`` with a fixed seed, so a re-run gives the same points), each
carrying an equal share of the territory's child population. Supply: the slots of the
active services of the category at their sites. Accessibility per point comes from
``two_step_fca`` (enhanced with thirds when the category's setting says so); a
territory's figure is the population-weighted mean over its points, and parents
aggregate their children.

The work is split in two so that it can spread over Celery workers (``gaps.tasks``):

* :func:`gap_inventory_part` computes, for a slice of the territories, everything that
  adds up across slices (children, weighted accessibility, needs, slots, unmet cases,
  waits, rejections per territory and category, each leaf's mean accessibility and the
  homes of unmet cases). It reads and never writes. Accessibility itself needs every
  demand point (step 1 of 2SFCA divides a site's slots by all the children within its
  catchment, whatever their territory), so each slice computes it whole and keeps its
  own points: cheap next to the per-case work, which is what the slices divide.
* :func:`gap_inventory_finish` merges the parts, adds equity and hotspots (which need
  every territory at once) and writes the snapshot in one transaction at the end: a job
  killed half-way leaves the previous snapshot as it was, and a re-run for the same day
  replaces its snapshot.

:func:`gap_inventory_compute` runs both in-process on one slice holding everything.

The modules: ``compute`` (the part, the finish and both in one process), ``parts`` (what a
slice adds up), ``scope`` (slicing the territories), ``queries`` (the rows read),
``unmet`` (cases with no eligible site within reach, over ``directory``'s eligibility
arrays) and ``suppression`` (small counts). Import from here.
"""

from gaps.inventory.compute import (
    gap_inventory_compute,
    gap_inventory_finish,
    gap_inventory_part,
)
from gaps.inventory.parts import GapPart
from gaps.inventory.queries import gap_cells_for
from gaps.inventory.scope import TerritoryScope, gap_territory_chunks, territory_scope
from gaps.inventory.suppression import suppress_small

__all__ = [
    "GapPart",
    "TerritoryScope",
    "gap_cells_for",
    "gap_inventory_compute",
    "gap_inventory_finish",
    "gap_inventory_part",
    "gap_territory_chunks",
    "suppress_small",
    "territory_scope",
]
