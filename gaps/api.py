"""JSON of the gap inventory and the network indicators, for planners and coordinators.

Thin: the figures come from ``gaps.selectors`` already suppressed, as on the pages.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.selectors import taxonomy_term_list
from gaps.forms import period_error
from gaps.models import GapSnapshot
from gaps.selectors import (
    DEFAULT_MEASURE,
    MEASURE_KEYS,
    CaseworkRow,
    CaseworkSummary,
    NetworkSummary,
    casework_period_summary,
    gap_can_view,
    gap_map_data,
    gap_rows,
    gap_snapshot_get,
    network_period_summary,
    network_snapshot_latest,
    network_snapshot_summary,
    quarter_previous,
)
from web.api import CodeRelatedField


class CanReadGaps(BasePermission):
    """Planners and coordinators; anyone else (signed in or not) is refused."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return gap_can_view(user=request.user)


class MapParams(serializers.Serializer[Any]):
    category = CodeRelatedField(slug_field="code", queryset=taxonomy_term_list())
    measure = serializers.ChoiceField(choices=MEASURE_KEYS, default=DEFAULT_MEASURE)
    day = serializers.DateField(required=False)


def _snapshot_or_404(*, day: date | None) -> GapSnapshot:
    """The snapshot of that day (the latest without one), or a 404 that says there is none."""
    snapshot = gap_snapshot_get(day=day)
    if snapshot is None:
        raise NotFound(_("There is no gap snapshot for that day."))
    return snapshot


class GapMapView(APIView):
    """The choropleth of one category: territories with their class, the legend, hotspots."""

    permission_classes = [CanReadGaps]

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=True),
            OpenApiParameter("measure", str, enum=list(MEASURE_KEYS)),
            OpenApiParameter("day", OpenApiTypes.DATE),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        params = MapParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        snapshot = _snapshot_or_404(day=params.validated_data.get("day"))
        return Response(
            gap_map_data(
                snapshot=snapshot,
                category_code=params.validated_data["category"].code,
                measure_key=params.validated_data["measure"],
            )
        )


class InventoryParams(serializers.Serializer[Any]):
    category = CodeRelatedField(slug_field="code", queryset=taxonomy_term_list(), required=False)
    day = serializers.DateField(required=False)


class GapInventoryView(APIView):
    """Every territory x category of a snapshot (the latest by default)."""

    permission_classes = [CanReadGaps]

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str),
            OpenApiParameter("day", OpenApiTypes.DATE),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        params = InventoryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        snapshot = _snapshot_or_404(day=params.validated_data.get("day"))
        category = params.validated_data.get("category")
        rows = gap_rows(snapshot=snapshot, category_code=category.code if category else None)
        return Response(
            {
                "snapshot": snapshot.day.isoformat(),
                "equity": {
                    code: {"gini": entry.get("gini")}
                    for code, entry in (snapshot.equity or {}).items()
                },
                "cells": [row.as_dict() for row in rows],
            }
        )


class PeriodParams(serializers.Serializer[Any]):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        error = period_error(start=attrs.get("start"), end=attrs.get("end"))
        if error:
            raise serializers.ValidationError({error[0]: error[1]})
        return attrs


def network_summary_json(summary: NetworkSummary) -> dict[str, Any]:
    """The summary without the unsuppressed volumes kept only for drawing."""
    organizations = []
    for row in summary.per_organization:
        item = asdict(row)
        item.pop("volume")
        organizations.append(item)
    pairs = []
    for pair in summary.per_pair:
        item = asdict(pair)
        item.pop("volume")
        pairs.append(item)
    return {
        "start": summary.start.isoformat() if summary.start else None,
        "end": summary.end.isoformat() if summary.end else None,
        "computed_at": summary.computed_at.isoformat() if summary.computed_at else None,
        "indicators": {key: value for key, _label, value in summary.indicators()},
        "isolated": summary.isolated,
        "betweenness_sources": summary.betweenness_sources,
        "per_organization": organizations,
        "per_pair": pairs,
    }


class NetworkIndicatorsView(APIView):
    """The latest nightly snapshot, or the management indicators of ``start``-``end``."""

    permission_classes = [CanReadGaps]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE, description="included"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        params = PeriodParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data.get("start"), params.validated_data.get("end")
        if start and end:
            return Response(network_summary_json(network_period_summary(start=start, end=end)))
        snapshot = network_snapshot_latest()
        if snapshot is None:
            raise NotFound(_("There is no network snapshot yet; give a period."))
        return Response(network_summary_json(network_snapshot_summary(snapshot)))


def _casework_row_json(row: CaseworkRow) -> dict[str, Any]:
    item = asdict(row)
    item.pop("volume")  # unsuppressed: for ordering only
    item.pop("short_name")
    return item


def casework_summary_json(summary: CaseworkSummary) -> dict[str, Any]:
    """The case file's figures as the page shows them, "<5" and "n<5" included."""
    network = _casework_row_json(summary.network)
    network.pop("key")
    return {
        "start": summary.start.isoformat() if summary.start else None,
        "end": summary.end.isoformat() if summary.end else None,
        "reentry_cohort": {
            "start": summary.cohort_start.isoformat() if summary.cohort_start else None,
            "end": summary.cohort_end.isoformat() if summary.cohort_end else None,
        },
        "network": network,
        "territories": [_casework_row_json(row) for row in summary.territories],
        "teams": [_casework_row_json(row) for row in summary.teams],
    }


class CaseworkIndicatorsView(APIView):
    """The case file's indicators of ``start``-``end`` (default: the last full quarter):
    days from report to admissibility and to the first service, case duration, closure
    reasons, re-entry within 12 months, follow-ups on time; network-wide, by territory and
    by team (``key`` is the territory's or organization's id)."""

    permission_classes = [CanReadGaps]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE, description="included"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        params = PeriodParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data.get("start"), params.validated_data.get("end")
        if not (start and end):
            start, end = quarter_previous(today=timezone.localdate())
        return Response(casework_summary_json(casework_period_summary(start=start, end=end)))
