"""Loading a real comuna: its boundaries (any GIS format, through GDAL) and its population."""

from directory.importers.population import PopulationOptions, population_import
from directory.importers.report import ImportResult, Problem, Progress
from directory.importers.territories import territories_import, territory_points_reassign
from directory.importers.territories_source import (
    TerritoryMapping,
    territory_source_fields,
    territory_source_open,
)

__all__ = [
    "ImportResult",
    "PopulationOptions",
    "Problem",
    "Progress",
    "TerritoryMapping",
    "population_import",
    "territories_import",
    "territory_points_reassign",
    "territory_source_fields",
    "territory_source_open",
]
