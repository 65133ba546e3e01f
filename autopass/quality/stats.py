"""The few statistics quality figures need: a binomial proportion's interval, and how many more
answers would make one narrow enough."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest

DEFAULT_LEVEL = 0.95


@dataclass(frozen=True)
class Proportion:
    """``errors`` out of ``n`` with its Wilson interval (``low``..``high``); no interval at n=0."""

    errors: int
    n: int
    low: float | None
    high: float | None

    @property
    def rate(self) -> float | None:
        return self.errors / self.n if self.n else None


def wilson(errors: int, n: int, level: float = DEFAULT_LEVEL) -> Proportion:
    """The share ``errors / n`` with its Wilson score interval (scipy): unlike the normal
    approximation it stays inside [0, 1] and is honest at 0 errors and small ``n``."""
    if n <= 0:
        return Proportion(errors=0, n=0, low=None, high=None)
    interval = binomtest(errors, n).proportion_ci(confidence_level=level, method="wilson")
    return Proportion(errors=errors, n=n, low=float(interval.low), high=float(interval.high))


def answers_missing(errors: int, n: int, target: float, level: float = DEFAULT_LEVEL,
                    limit: int = 1_000_000) -> int | None:
    """How many more answers, all right, until the interval's upper end is at most ``target``
    (0 when it already is); None when more right answers can never bring it there (the errors
    already seen are too many for any sample within ``limit``)."""
    if n > 0 and (wilson(errors, n, level).high or 1.0) <= target:
        return 0
    low, high = max(n, 1), max(n, 1)
    while (wilson(errors, high, level).high or 1.0) > target:
        if high >= limit:
            return None
        low, high = high, min(high * 2, limit)
    while low < high:  # the upper end falls as right answers are added: bisect
        middle = (low + high) // 2
        if (wilson(errors, middle, level).high or 1.0) <= target:
            high = middle
        else:
            low = middle + 1
    return high - n
