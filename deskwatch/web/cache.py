"""A small time-to-live cache for summaries that change only when the pipeline runs (the
sources' health on the home page): recomputed at most once per `ttl`, per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class TtlCache:
    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        """The value computed less than `ttl` ago, else `compute()` (outside the lock)."""
        now = self._clock()
        with self._lock:
            found = self._values.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        value = compute()
        with self._lock:
            self._values[key] = (now, value)
        return value
