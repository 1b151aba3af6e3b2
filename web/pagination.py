"""One page envelope for every list of the API (HSDS keeps the one its specification sets).

``?page=`` (1-based) and ``?page_size=`` (``DEFAULT_PAGE_SIZE`` if absent, at most
``MAX_PAGE_SIZE``: a larger one is cut to it) answer DRF's envelope
``{count, next, previous, results}``. A page that is not a whole number from 1 to
``web.params.MAX_PAGE``, or a page size that is not a whole number from 1, is a 400
naming the parameter; a page past the last one is a 404 that says so. Never a 500.

Generic views get ``PagePagination`` from ``DEFAULT_PAGINATION_CLASS``. An ``APIView``
that builds its list by hand mixes in ``PaginatedListMixin``: ``paginate`` the rows,
serialize the page, answer ``paginated_response``. Its ``pagination_class`` is what
drf-spectacular reads to document the parameters and the envelope of a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from web.params import MAX_PAGE, PageField

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Map layers draw many features at once; the search's GeoJSON allows as many a page.
MAX_GEO_PAGE_SIZE = 1000


def _clean(field: forms.Field, name: str, value: str | None) -> Any:
    """The value as the form field reads it, or a 400 with its messages under ``name``."""
    try:
        return field.clean(value)
    except forms.ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc


def total_order(rows: Any) -> Any:
    """A queryset ordered to the row: rows that tie on the ordering keep their page.

    Without a last key that is unique, PostgreSQL may return tied rows in another order
    for each page, and a row is shown twice while another is never shown. The primary
    key breaks the ties. Lists, and ``values()`` querysets (whose ordering is part of
    their grouping), are returned as they are.
    """
    if not isinstance(rows, QuerySet) or getattr(rows, "_fields", None) is not None:
        return rows
    ordering = list(rows.query.order_by) or list(rows.model._meta.ordering)
    if ordering[-1:] in (["pk"], ["-pk"]):
        return rows
    return rows.order_by(*ordering, "pk")


class PagePagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # Django's own message (translated), e.g. "That page contains no results".
    invalid_page_message = "{message}"

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        return super().paginate_queryset(total_order(queryset), request, view)

    def get_page_size(self, request: Request) -> int:
        size = _clean(
            forms.IntegerField(required=False, min_value=1),
            self.page_size_query_param,
            request.query_params.get(self.page_size_query_param),
        )
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        value = request.query_params.get(self.page_query_param)
        if value in self.last_page_strings:
            return paginator.num_pages
        return _clean(PageField(), self.page_query_param, value) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_PAGE},
            self.page_size_query_param: {
                "minimum": 1,
                "maximum": self.max_page_size,
                "default": self.page_size,
            },
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class GeoJsonPagePagination(PagePagination):
    """The same parameters and links around a GeoJSON ``FeatureCollection``."""

    max_page_size = MAX_GEO_PAGE_SIZE

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        return Response(
            {
                "type": "FeatureCollection",
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": data["features"],
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # ``schema`` is already the FeatureCollection (rest_framework_gis' list component).
        envelope = super().get_paginated_response_schema({})
        envelope["properties"].pop("results")
        envelope["required"] = ["count"]
        return {"allOf": [schema, envelope]}


class PaginatedListMixin:
    """For an ``APIView`` that builds its list: one page of it, in the shared envelope."""

    pagination_class: type[PagePagination] = PagePagination

    def paginate(self, request: Request, rows: QuerySet[Any] | Sequence[Any]) -> list[Any]:
        self._paginator = self.pagination_class()
        page = self._paginator.paginate_queryset(rows, request, view=self)
        assert page is not None  # a page size is always set
        return page

    def paginated_response(self, data: Any) -> Response:
        return self._paginator.get_paginated_response(data)


def page_links(request: Request, *, page: int, has_next: bool) -> dict[str, str | None]:
    """``next`` and ``previous`` of a list that pages by look-ahead and has no count."""
    url = request.build_absolute_uri()
    previous = None
    if page > 1:
        previous = (
            remove_query_param(url, "page")
            if page == 2
            else replace_query_param(url, "page", page - 1)
        )
    return {
        "next": replace_query_param(url, "page", page + 1) if has_next else None,
        "previous": previous,
    }
