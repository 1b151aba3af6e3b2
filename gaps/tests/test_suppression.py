"""Small counts, suppressed in one place: "<5" for counts of 1 to 4, "n<5" for rates over them."""

from __future__ import annotations

from gaps.selectors import count_shown, ratio_shown


def test_counts_from_one_to_four_are_shown_as_less_than_five_and_rates_over_them_withheld():
    assert [count_shown(v) for v in (None, 0, 1, 4, 4.4, 4.6, 5, 12)] == [
        None,
        0,
        "<5",
        "<5",
        "<5",
        5,
        5,
        12,
    ]
    assert ratio_shown(0.5, base=2) == "n<5"
    assert ratio_shown(0.5, base=5) == 0.5
    assert ratio_shown(None, base=0) is None
