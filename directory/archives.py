"""Zip archives from uploads (HSDS packages, XLSX workbooks), judged before anything is unpacked.

zipfile never inflates an entry past its declared size, so the declared sizes bound what
is read: checking them first stops a "zip bomb" (gigabytes declared in a few kilobytes).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

# Entries smaller than this unpack to little whatever their ratio.
SMALL_ENTRY_BYTES = 1024 * 1024


def zip_too_large(
    entries: Sequence[zipfile.ZipInfo], *, max_entries: int, max_bytes: int, max_ratio: int
) -> bool:
    """Too many entries, too many bytes unpacked, or an entry that packs suspiciously well."""
    unpacked = sum(entry.file_size for entry in entries)
    bomb = any(
        entry.file_size > SMALL_ENTRY_BYTES
        and entry.file_size > max_ratio * max(entry.compress_size, 1)
        for entry in entries
    )
    return len(entries) > max_entries or unpacked > max_bytes or bomb
