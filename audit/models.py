"""Append-only record of who read or wrote case data (filled in by issue 8)."""
