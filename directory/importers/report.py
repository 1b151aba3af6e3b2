"""What an import found: each problem names its place (feature or row) and its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Progress = Callable[[str, int], None]


def progress_none(label: str, amount: int) -> None:
    return None


@dataclass(frozen=True)
class Problem:
    """``where`` is "feature 3 (code 13101)" or "row 7"; ``field`` the attribute or column."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        subject = f"{self.where} [{self.field}]" if self.field else self.where
        return f"{subject}: {self.message}" if subject else self.message


@dataclass
class ImportResult:
    dry_run: bool = True
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: What was (or, in a dry run, would be) done: "created", "updated", "sites moved", …
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run

    def error(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(Problem(where, field_name, message))

    def warn(self, where: str, field_name: str, message: str) -> None:
        self.warnings.append(Problem(where, field_name, message))

    def count(self, key: str, amount: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + amount

    def summary(self) -> str:
        return ", ".join(f"{key} {n}" for key, n in self.counts.items())


class Rollback(Exception):
    """Raised inside the transaction to undo a dry run or an import with errors."""
