"""A client-side rate limiter that spaces calls evenly, so a per-minute quota is never hit.

Even spacing (rather than bursts up to the quota) stays under both a rolling-minute and a
fixed-minute quota: at an interval of ``60 / (calls_per_minute * HEADROOM)`` seconds no 60 s
window, however placed, holds more than ``calls_per_minute`` calls, and a little network
jitter does not tip it over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Fraction of the configured rate actually used: the margin absorbs timing jitter.
HEADROOM = 0.97


class RateLimiter:
    """Blocks in ``acquire`` until the next call may go out; thread-safe."""

    def __init__(
        self,
        calls_per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not calls_per_minute > 0:
            raise ValueError(f"calls_per_minute must be > 0, got {calls_per_minute!r}")
        self.calls_per_minute = float(calls_per_minute)
        self.interval = 60.0 / (self.calls_per_minute * HEADROOM)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def acquire(self) -> float:
        """Wait for this call's slot; returns the seconds waited."""
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def __repr__(self) -> str:
        return f"RateLimiter({self.calls_per_minute:g}/min)"
