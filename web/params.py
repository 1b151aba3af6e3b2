"""Bounds on what a query string may ask for, shared by every page and API form.

A page number past any real page, or a date at the end of the calendar, is a
client's mistake: it must get a message naming the field, never reach the database
(``bigint out of range``) or date arithmetic (``date + 1 day`` overflows at
9999-12-31) and answer 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext

# Far beyond any real list (a million cases at 20 a page is 50,000 pages) and far
# below PostgreSQL's bigint and Python's date limits once multiplied by a page size.
MAX_PAGE = 100_000
# Dates a person or a record may plausibly carry; the first is before any child alive
# today was born, the last leaves room for every "until" a report can ask.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


class PageField(forms.IntegerField):
    """A 1-based page number, bounded so an offset computed from it stays small."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PAGE)
        super().__init__(**kwargs)


class PerPageField(forms.IntegerField):
    """How many rows a page holds: at least one, at most what the list allows."""

    def __init__(self, *, max_value: int, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        super().__init__(max_value=max_value, **kwargs)


def date_in_bounds(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def date_bounds_message() -> str:
    """The refusal of a date outside the bounds, for forms and for API serializers."""
    return gettext("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
        "latest": date_format(LATEST_DATE, "SHORT_DATE_FORMAT"),
    }


class BoundedDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE, refused by name outside them."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not date_in_bounds(value):
            raise forms.ValidationError(date_bounds_message(), code="date_out_of_range")


class QueryTextField(forms.CharField):
    """Free text from a query string: optional, stripped, bounded; NUL refused by name.

    PostgreSQL refuses a NUL byte in any text parameter, so a ``?q=%00`` read straight
    from ``request.GET`` is a 500; ``forms.CharField`` already refuses it.
    """

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, **kwargs)
