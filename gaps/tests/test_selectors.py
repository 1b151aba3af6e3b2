"""The reads the views call instead of querying: the category a page opens on, and names."""

from __future__ import annotations

import pytest

from directory.models import TaxonomyTerm
from gaps.selectors import gap_category_default, gap_category_list, gap_category_names
from gaps.tests.conftest import PSY

pytestmark = pytest.mark.django_db


def test_a_page_opens_on_the_first_category_with_figures_in_the_snapshot(inventory):
    snapshot = inventory["second"]
    assert gap_category_default(snapshot=snapshot) == inventory["term"]
    assert list(gap_category_list(snapshot=snapshot)) == [inventory["term"]]


def test_without_a_snapshot_a_page_opens_on_the_first_category_by_code():
    first = TaxonomyTerm.objects.order_by("code").first()
    assert first is not None
    assert gap_category_default(snapshot=None) == first


def test_the_category_names_are_those_with_figures_in_the_snapshot(inventory):
    assert gap_category_names(snapshot=inventory["second"]) == {PSY: inventory["term"].name}
