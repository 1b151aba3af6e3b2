"""Progress bars for the demo's long steps (the command and the benchmarks)."""

from __future__ import annotations

from typing import Any


class TqdmProgress:
    """A ``Progress`` that draws one tqdm bar per label, closing the previous one."""

    def __init__(self, *, totals: dict[str, int | None] | None = None) -> None:
        self.totals = totals or {}
        self.bars: dict[str, Any] = {}

    def __call__(self, label: str, amount: int) -> None:
        from tqdm import tqdm

        if label not in self.bars:
            self.close()
            self.bars[label] = tqdm(
                total=self.totals.get(label), desc=label, unit=" rows", leave=True
            )
        self.bars[label].update(amount)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
