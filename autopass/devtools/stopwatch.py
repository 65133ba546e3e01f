"""Timing helpers of the benches: a stopwatch per name, engines wrapped to time their calls,
percentiles, peak memory."""

from __future__ import annotations

import functools
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autopass.engines import registry
from autopass.settings import Settings


class Stopwatch:
    """Durations by name, added from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name].append(seconds)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def totals(self) -> dict[str, float]:
        with self._lock:
            return {name: sum(values) for name, values in self.seconds.items()}

    def clear(self) -> None:
        with self._lock:
            self.seconds.clear()


class TimedEngine:
    """Forwards everything to ``engine`` and adds the time of each method call to ``kind``.

    Calls the engine makes on itself (``read`` calling ``detect``) are not counted twice: they go
    to the real object, not through this proxy.
    """

    def __init__(self, engine: object, kind: str, stopwatch: Stopwatch) -> None:
        self._engine, self._kind, self._stopwatch = engine, kind, stopwatch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._stopwatch.timing(self._kind):
                return attribute(*args, **kwargs)

        return timed


@contextmanager
def timed_engines(settings: Settings, stopwatch: Stopwatch) -> Iterator[None]:
    """While inside, every ``get_ocr_engine`` / ``get_face_engine`` caller gets a timing proxy.

    The registry's cached engines are swapped for proxies of themselves (found by identity, so
    the registry's cache key stays its own business) and put back afterwards.
    """
    engines = {
        "ocr": registry.get_ocr_engine(settings),
        "face": registry.get_face_engine(settings),
    }
    swapped: dict[Any, object] = {}
    with registry._lock:
        for key, cached in registry._cache.items():
            for kind, engine in engines.items():
                if cached is engine:
                    swapped[key] = engine
                    registry._cache[key] = TimedEngine(engine, kind, stopwatch)
    try:
        yield
    finally:
        with registry._lock:
            registry._cache.update(swapped)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation), as a plain float."""
    return float(np.percentile(np.asarray(values, dtype=float), q))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


