"""The referral facts given as columns, checked and encoded before any figure is computed."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from gaps.network.arrays import BoolArray, FloatArray, IntArray


def label_list(organizations: Sequence[Hashable] | ArrayLike) -> list[Hashable]:
    # tolist() turns numpy scalars into Python ones, which hash and print like the originals.
    if isinstance(organizations, np.ndarray):
        return list(organizations.tolist())
    return list(organizations)  # type: ignore[arg-type]


def label_codes(
    name: str, values: Sequence[Hashable] | ArrayLike, index: dict[Hashable, int]
) -> IntArray:
    """Positions in ``organizations`` of each label: one dict lookup per referral, in C."""
    labels = label_list(values)
    try:
        codes = np.fromiter(map(index.__getitem__, labels), dtype=np.int64, count=len(labels))
    except KeyError as missing:
        raise ValueError(
            f"{name} contains {missing.args[0]!r}, which is not in organizations"
        ) from None
    except TypeError as unhashable:
        raise ValueError(f"{name} contains an unhashable label: {unhashable}") from None
    return codes


def flag_column(name: str, values: ArrayLike, length: int) -> BoolArray:
    array = np.asarray(values)
    if array.shape != (length,):
        raise ValueError(f"{name} must have one entry per referral ({length}), got {array.shape}")
    if array.dtype == np.bool_:
        return array
    # 0/1 integers are accepted; anything else (NaN, 2, "yes") is a mistake upstream.
    if array.dtype.kind in "iu" and np.all((array == 0) | (array == 1)):
        return array.astype(bool)
    raise ValueError(f"{name} must be booleans (or 0/1 integers), got dtype {array.dtype}")


def days_column(values: ArrayLike, length: int) -> FloatArray:
    try:
        days = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("days_to_attention must be numbers (NaN when none)") from None
    if days.shape != (length,):
        raise ValueError(
            f"days_to_attention must have one entry per referral ({length}), got {days.shape}"
        )
    if np.any(np.isinf(days)):
        raise ValueError("days_to_attention contains infinite values")
    if np.any(days < 0):  # NaN compares False, so "never attended" passes
        raise ValueError("days_to_attention contains negative values")
    return days
