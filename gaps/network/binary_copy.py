"""Decoding the binary COPY of the facts statement (:mod:`gaps.network.facts`) with NumPy."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# PostgreSQL binary COPY: 11-byte signature, int32 flags, int32 header-extension length, then
# per row an int16 field count and per field an int32 length and the big-endian value; the
# trailer is int16 -1. https://www.postgresql.org/docs/current/sql-copy.html (Binary Format)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("sender_len", ">i4"),
        ("sender", ">i4"),
        ("receiver_len", ">i4"),
        ("receiver", ">i4"),
        ("accepted_len", ">i4"),
        ("accepted", "?"),
        ("completed_len", ">i4"),
        ("completed", "?"),
        ("overdue_len", ">i4"),
        ("overdue", "?"),
        ("days_len", ">i4"),
        ("days", ">f8"),
    ]
)
_COPY_LENGTHS = {
    "fields": 6,
    "sender_len": 4,
    "receiver_len": 4,
    "accepted_len": 1,
    "completed_len": 1,
    "overdue_len": 1,
    "days_len": 8,
}


def decode_binary_copy(buffer: bytes | bytearray) -> NDArray[np.void]:
    """The rows of a binary COPY of the facts statement, checked field by field."""
    if buffer[: len(_COPY_SIGNATURE)] != _COPY_SIGNATURE:
        raise RuntimeError("not a PostgreSQL binary COPY stream")
    extension = int.from_bytes(buffer[15:19], "big")
    start = 19 + extension
    if buffer[-2:] != b"\xff\xff":
        raise RuntimeError("binary COPY stream without its trailer")
    body = memoryview(buffer)[start:-2]
    if len(body) % _COPY_ROW.itemsize:
        raise RuntimeError("binary COPY rows are not the expected fixed width")
    rows = np.frombuffer(body, dtype=_COPY_ROW)
    for field, expected in _COPY_LENGTHS.items():
        # A NULL (-1) or another width would shift every later row; refuse rather than misread.
        if len(rows) and not np.all(rows[field] == expected):
            raise RuntimeError(f"unexpected binary COPY layout in {field}")
    return rows
