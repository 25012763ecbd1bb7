"""Transit-time distributions in delivery days, and the narrowest window that holds a target share of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

TARGET_COVERAGE = 0.95
MIN_SAMPLES = 30


@dataclass
class TransitHistogram:
    """How many past shipments took each number of delivery days."""

    counts: Counter[int] = field(default_factory=Counter)

    def add(self, days: int) -> None:
        self.counts[days] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def given_at_least(self, elapsed: int) -> TransitHistogram:
        """The distribution of shipments still undelivered after `elapsed` delivery days."""
        return TransitHistogram(Counter({d: n for d, n in self.counts.items() if d >= elapsed}))

    def window(self, coverage: float = TARGET_COVERAGE) -> tuple[int, int, float] | None:
        """(low, high, share): the shortest day range holding at least `coverage` of the shipments, the earliest
        such range on ties. Fewer samples widen the target, since small histories understate the tails."""
        total = self.total
        if total < MIN_SAMPLES:
            return None
        target = min(0.99, coverage + 1.5 / total**0.5 * (1 - coverage))
        days = sorted(self.counts)
        best: tuple[int, int, int] | None = None
        for i, low in enumerate(days):
            inside = 0
            for high in days[i:]:
                inside += self.counts[high]
                if inside / total >= target:
                    if best is None or high - low < best[1] - best[0]:
                        best = (low, high, inside)
                    break
        if best is None:
            return None
        return best[0], best[1], best[2] / total
