"""The shared page envelope on its own: bounds, refusals and the order pages rely on."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from web.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PagePagination,
    page_links,
    total_order,
)
from web.params import MAX_PAGE

ROWS = list(range(500))


def page_of(rows: list[int], **query: Any) -> tuple[PagePagination, list[int]]:
    request = Request(APIRequestFactory().get("/api/things/", query))
    paginator = PagePagination()
    page = paginator.paginate_queryset(rows, request)
    assert page is not None
    return paginator, page


def test_the_first_page_has_the_default_size_and_the_envelope():
    paginator, page = page_of(ROWS)
    assert page == ROWS[:DEFAULT_PAGE_SIZE]
    body = paginator.get_paginated_response(page).data
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == len(ROWS) and body["previous"] is None
    assert body["next"] == "http://testserver/api/things/?page=2"


def test_a_page_size_beyond_the_maximum_is_cut_to_it():
    _paginator, page = page_of(ROWS, page_size="100000")
    assert page == ROWS[:MAX_PAGE_SIZE]
    _paginator, page = page_of(ROWS, page_size="7", page="3")
    assert page == ROWS[14:21]


def test_the_last_page_and_its_links():
    paginator, page = page_of(ROWS, page="last", page_size="200")
    assert page == ROWS[400:]
    body = paginator.get_paginated_response(page).data
    assert body["next"] is None and "page=2" in body["previous"]


@pytest.mark.parametrize(
    "value", ["99999999999999999999", str(MAX_PAGE + 1), "0", "-1", "abc", "1.5", "1e3"]
)
def test_a_page_that_is_no_page_number_is_a_400_naming_it(value):
    with pytest.raises(ValidationError) as refused:
        page_of(ROWS, page=value)
    assert list(refused.value.detail) == ["page"]


@pytest.mark.parametrize("value", ["0", "-5", "abc", "9" * 5000])
def test_a_page_size_that_is_no_size_is_a_400_naming_it(value):
    with pytest.raises(ValidationError) as refused:
        page_of(ROWS, page_size=value)
    assert list(refused.value.detail) == ["page_size"]


def test_a_page_past_the_last_is_a_404_that_says_so():
    with pytest.raises(NotFound) as missing:
        page_of(ROWS, page="11")
    assert str(missing.value.detail)
    # An empty list still has its first page.
    _paginator, page = page_of([], page="1")
    assert page == []


def test_the_schema_parameters_carry_the_bounds():
    described = PagePagination().get_schema_operation_parameters(None)
    parameters = {p["name"]: p["schema"] for p in described}
    assert parameters["page"] == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    assert parameters["page_size"]["maximum"] == MAX_PAGE_SIZE
    assert parameters["page_size"]["default"] == DEFAULT_PAGE_SIZE


def test_links_of_a_list_without_a_count():
    request = Request(APIRequestFactory().get("/api/search/", {"q": "casa", "page": "2"}))
    links = page_links(request, page=2, has_next=True)
    assert links == {
        "next": "http://testserver/api/search/?page=3&q=casa",
        "previous": "http://testserver/api/search/?q=casa",
    }
    assert page_links(request, page=1, has_next=False) == {"next": None, "previous": None}


@pytest.mark.django_db
def test_ties_on_the_ordering_are_broken_by_the_primary_key():
    from django.contrib.auth.models import Group

    ordered = total_order(Group.objects.order_by("name"))
    assert list(ordered.query.order_by) == ["name", "pk"]
    assert list(total_order(Group.objects.all()).query.order_by)[-1] == "pk"
    already = Group.objects.order_by("name", "-pk")
    assert total_order(already) is already
    values = Group.objects.values("name").order_by("name")
    assert total_order(values) is values
    assert total_order(ROWS) is ROWS
