"""The import report (its issues and counts) and the types the importer modules share."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from directory.hsds.tabular import Row

Json = dict[str, Any]
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Issue:
    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        place = " ".join(p for p in (self.file, self.where) if p)
        subject = f"{place} [{self.field}]" if self.field else place
        return f"{subject}: {self.message}" if subject else self.message


@dataclass
class ImportReport:
    dry_run: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: Row | None, field_name: str, message: str) -> None:
        self.errors.append(
            Issue(row.file if row else "", row.where if row else "", field_name, message)
        )

    def warn(self, row: Row | None, field_name: str, message: str) -> None:
        issue = Issue(row.file if row else "", row.where if row else "", field_name, message)
        if issue not in self.warnings:
            self.warnings.append(issue)

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def summary(self) -> str:
        lines = []
        for kind in sorted(self.counts):
            parts = ", ".join(f"{outcome} {n}" for outcome, n in sorted(self.counts[kind].items()))
            lines.append(f"{kind}: {parts}")
        return "\n".join(lines)


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a failed import."""
