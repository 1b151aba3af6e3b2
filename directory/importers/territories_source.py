"""Reading a boundary file with GDAL: GeoJSON, Shapefile (.zip or folder), GeoPackage, KML.

GDAL (through GeoDjango's ``DataSource``) reads every format, so nothing here parses a
file format. ``LayerMapping`` is not used: it saves feature by feature as it reads, so
it cannot preview a dry run, repair and report each polygon, resolve parents by code or
containment, or check the whole file before writing anything.

Each feature becomes a :class:`SourceFeature` in SRID 4326, a valid ``MultiPolygon`` in
two dimensions; every problem names the feature (its position and code) and the field.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, cast

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.layer import Layer
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext as _

from directory.archives import zip_too_large
from directory.importers.report import ImportResult, Progress
from directory.models import TerritoryLevel

#: Extensions GDAL is asked to open, in the order a folder or a zip is searched.
SOURCE_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml")
MAX_ZIP_ENTRIES = 1_000
# Shapefiles compress well (repeated coordinates), but not a thousand times.
MAX_ZIP_RATIO = 1_000
PROGRESS_EVERY = 500

#: What a level attribute may say, lower-cased: the codes and the usual Spanish words.
LEVEL_WORDS = {
    "region": TerritoryLevel.REGION,
    "región": TerritoryLevel.REGION,
    "municipality": TerritoryLevel.MUNICIPALITY,
    "comuna": TerritoryLevel.MUNICIPALITY,
    "municipio": TerritoryLevel.MUNICIPALITY,
    "sector": TerritoryLevel.SECTOR,
}


@dataclass(frozen=True)
class TerritoryMapping:
    """Which attribute holds what. No ``parent_field``: the parent is found by containment."""

    code_field: str
    name_field: str
    parent_field: str = ""
    level: str = ""  # one TerritoryLevel for every feature …
    level_field: str = ""  # … or the attribute that holds each feature's level
    layer: str = ""  # empty: the first layer
    source_srid: int | None = None  # only for a file that states no coordinate system


@dataclass
class SourceFeature:
    index: int  # 1-based position in the layer, as a person counts
    code: str
    name: str
    parent_code: str
    level: str
    geometry: MultiPolygon | None

    @property
    def where(self) -> str:
        return feature_where(self.index, self.code)


def feature_where(index: int, code: str = "") -> str:
    if code:
        return _("feature %(index)s (code %(code)s)") % {"index": index, "code": code}
    return _("feature %(index)s") % {"index": index}


def territories_import_max_bytes() -> int:
    return int(getattr(settings, "TERRITORIES_IMPORT_MAX_MB", 1024)) * 1024 * 1024


def _unzip(path: Path, into: Path, result: ImportResult) -> bool:
    """Unpack within bounds; members are written under ``into`` only (no "../" escapes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if zip_too_large(
                members,
                max_entries=MAX_ZIP_ENTRIES,
                max_bytes=territories_import_max_bytes(),
                max_ratio=MAX_ZIP_RATIO,
            ):
                result.error(path.name, "", _("The zip file unpacks to more than allowed."))
                return False
            for member in members:
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    continue
                target = into.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        result.error(path.name, "", _("The zip file is damaged (%(reason)s).") % {"reason": error})
        return False
    return True


def _source_in(folder: Path) -> Path | None:
    """The dataset in a folder: the folder itself for Shapefiles, else the first known file."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for suffix in SOURCE_SUFFIXES:
        found = [p for p in files if p.suffix.lower() == suffix]
        if found:
            return found[0].parent if suffix == ".shp" else found[0]
    return None


@contextlib.contextmanager
def territory_source_open(*, path: Path, result: ImportResult) -> Iterator[DataSource | None]:
    """The GDAL data source at ``path`` (file, folder or zip), or ``None`` with an error."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="puente-territories-") as scratch:
        target: Path | None = path
        if not path.exists():
            result.error(path.name, "", _("The file does not exist."))
            target = None
        elif path.is_file() and zipfile.is_zipfile(path):
            target = _source_in(Path(scratch)) if _unzip(path, Path(scratch), result) else None
            if target is None and result.ok:
                result.error(
                    path.name, "", _("The zip holds no Shapefile, GeoPackage, GeoJSON or KML.")
                )
        elif path.is_dir():
            target = _source_in(path)
            if target is None:
                result.error(
                    path.name, "", _("The folder holds no Shapefile, GeoPackage, GeoJSON or KML.")
                )
        elif path.stat().st_size > territories_import_max_bytes():
            result.error(path.name, "", _("The file is larger than allowed."))
            target = None
        source = None
        if target is not None:
            try:
                source = DataSource(str(target), encoding="utf-8")
            except GDALException:
                result.error(
                    path.name,
                    "",
                    _("GDAL cannot read this file as GeoJSON, Shapefile, GeoPackage or KML."),
                )
        yield source


def _layers(source: DataSource) -> list[Layer]:
    return [source[i] for i in range(source.layer_count)]


def territory_source_layer(
    *, source: DataSource, mapping: TerritoryMapping, result: ImportResult
) -> Layer | None:
    names = [layer.name for layer in _layers(source)]
    if mapping.layer:
        if mapping.layer not in names:
            result.error(
                _("layer %(name)s") % {"name": mapping.layer},
                "layer",
                _("The file has no such layer; its layers are: %(names)s.")
                % {"names": ", ".join(names)},
            )
            return None
        return source[mapping.layer]
    for layer in _layers(source):  # a KML holds a layer per folder, some of them empty
        if len(layer):
            return layer
    result.error("", "", _("The file holds no features."))
    return None


def territory_source_fields(*, source: DataSource) -> dict[str, list[str]]:
    """Each layer's attribute names, so a person can map them."""
    return {layer.name: list(layer.fields) for layer in _layers(source)}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a Shapefile's numeric code 13101 reads back as 13101.0
    return str(value).strip()


def _check_fields(*, layer: Layer, mapping: TerritoryMapping, result: ImportResult) -> bool:
    present = set(layer.fields)
    wanted = {
        "code_field": mapping.code_field,
        "name_field": mapping.name_field,
        "parent_field": mapping.parent_field,
        "level_field": mapping.level_field,
    }
    where = _("layer %(name)s") % {"name": layer.name}
    ok = True
    for option, attribute in wanted.items():
        if attribute and attribute not in present:
            result.error(
                where,
                option,
                _("The layer has no attribute %(attribute)s; it has: %(fields)s.")
                % {"attribute": attribute, "fields": ", ".join(sorted(present))},
            )
            ok = False
    if not mapping.level and not mapping.level_field:
        result.error(
            where, "level", _("Say the level of the territories, or which attribute holds it.")
        )
        ok = False
    elif mapping.level and mapping.level not in TerritoryLevel.values:
        result.error(where, "level", _("Unknown level %(level)s.") % {"level": mapping.level})
        ok = False
    return ok


def _transform(*, layer: Layer, mapping: TerritoryMapping, result: ImportResult) -> Any:
    """The transformation to 4326 (``None`` when the file is already in 4326)."""
    source_srs = layer.srs
    if source_srs is None and mapping.source_srid:
        source_srs = SpatialReference(mapping.source_srid)
    if source_srs is None:
        result.error(
            _("layer %(name)s") % {"name": layer.name},
            "source_srid",
            _("The file states no coordinate system; give its SRID (e.g. 32719)."),
        )
        return False
    if source_srs.srid == 4326:
        return None
    return CoordTransform(source_srs, SpatialReference(4326))


def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.empty else []
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in cast(Any, geometry) for p in _polygons(part)]
    return []  # lines and points left by a repair carry no area


def _geometry(
    *, feature: Any, where: str, transform: Any, result: ImportResult
) -> MultiPolygon | None:
    try:
        ogr = feature.geom
    except GDALException:
        result.error(where, "geometry", _("The feature has no geometry."))
        return None
    if ogr.geom_type.name.replace("25D", "") not in ("Polygon", "MultiPolygon"):
        result.error(
            where,
            "geometry",
            _("A territory is an area; this feature is a %(kind)s.") % {"kind": ogr.geom_type.name},
        )
        return None
    try:
        if transform is not None:
            ogr.transform(transform)
        ogr.set_3d(False)  # KML carries altitudes; boundaries are flat
        geos = GEOSGeometry(memoryview(ogr.wkb), srid=4326)
    except (GDALException, GEOSException, ValueError) as error:
        result.error(
            where, "geometry", _("The geometry cannot be read (%(reason)s).") % {"reason": error}
        )
        return None
    if not geos.valid:
        reason = geos.valid_reason
        geos = cast(Any, geos).make_valid()  # GEOS MakeValid, as ST_MakeValid
        result.warn(
            where, "geometry", _("Invalid polygon repaired (%(reason)s).") % {"reason": reason}
        )
    polygons = _polygons(geos)
    if not polygons:
        result.error(where, "geometry", _("The boundary has no area."))
        return None
    multi = MultiPolygon(*polygons, srid=4326)
    if not multi.valid:  # parts of a repaired collection may still touch along an edge
        multi = MultiPolygon(*_polygons(multi.unary_union), srid=4326)
    return multi


def _level(
    *, feature: Any, index: int, code: str, mapping: TerritoryMapping, result: ImportResult
) -> str:
    if not mapping.level_field:
        return mapping.level
    said = _text(feature.get(mapping.level_field))
    level = LEVEL_WORDS.get(said.lower())
    if level is None:
        result.error(
            feature_where(index, code),
            mapping.level_field,
            _("Unknown level %(level)s: say region, comuna (municipality) or sector.")
            % {"level": said or "—"},
        )
        return ""
    return str(level)


def territory_features_read(
    *, layer: Layer, mapping: TerritoryMapping, result: ImportResult, progress: Progress
) -> list[SourceFeature]:
    """Every feature of the layer, reprojected, repaired and promoted to MultiPolygon."""
    if not _check_fields(layer=layer, mapping=mapping, result=result):
        return []
    transform = _transform(layer=layer, mapping=mapping, result=result)
    if transform is False:
        return []
    features: list[SourceFeature] = []
    pending = 0
    for index, feature in enumerate(layer, start=1):
        code = _text(feature.get(mapping.code_field))
        where = feature_where(index, code)
        if not code:
            result.error(where, mapping.code_field, _("The code is empty."))
        elif len(code) > 32:
            result.error(where, mapping.code_field, _("The code is longer than 32 characters."))
        name = _text(feature.get(mapping.name_field))
        if not name:
            result.error(where, mapping.name_field, _("The name is empty."))
        elif len(name) > 200:
            result.error(where, mapping.name_field, _("The name is longer than 200 characters."))
        features.append(
            SourceFeature(
                index=index,
                code=code,
                name=name,
                parent_code=_text(feature.get(mapping.parent_field))
                if mapping.parent_field
                else "",
                level=_level(
                    feature=feature, index=index, code=code, mapping=mapping, result=result
                ),
                geometry=_geometry(
                    feature=feature, where=where, transform=transform, result=result
                ),
            )
        )
        pending += 1
        if pending == PROGRESS_EVERY:
            progress("reading", pending)
            pending = 0
    if pending:
        progress("reading", pending)
    return features
