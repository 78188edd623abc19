"""How hard a ``JsonApi`` tries: timeouts, retries, backoff and the longest wait it accepts.

One frozen value per API, built from that source's settings; tenacity does the retrying.
A server-requested wait (``Retry-After``, a quota reset) replaces the exponential backoff.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx
from tenacity import wait_exponential_jitter
from tenacity.wait import wait_base

from cryptopulse.core.settings_base import HttpSettings

# What a source's settings say about its HTTP calls (the rest of the policy is the code's).


@dataclass(frozen=True)
class HttpPolicy:
    """``timeout_seconds`` per request (connecting: at most 5 s); ``max_retries`` after the
    first attempt, waiting ``backoff_seconds`` doubled each time (with jitter, at most
    ``backoff_max_seconds``). A server asking for a wait longer than ``max_wait_seconds`` is
    an outage (``RateLimitedError``), unless ``cap_long_waits``: then we wait that long and
    try again."""

    timeout_seconds: float = 10.0
    max_retries: int = 6
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 60.0
    max_wait_seconds: float = 900.0
    cap_long_waits: bool = False

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0 or self.max_retries < 0 or self.backoff_seconds < 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")

    @classmethod
    def from_settings(cls, http: HttpSettings) -> HttpPolicy:
        """The policy a source's HTTP settings describe (its ``settings.http``)."""
        return cls(**http.model_dump())

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout_seconds, connect=min(self.timeout_seconds, 5.0))

    def backoff(self) -> wait_base:
        return wait_exponential_jitter(
            multiplier=self.backoff_seconds,
            max=max(self.backoff_max_seconds, self.backoff_seconds),
            jitter=self.backoff_seconds,
        )

    def server_wait(self, seconds: float) -> float | None:
        """How long to honour a server-requested wait (plus a little jitter, so parallel
        clients do not return at once); None when it is too long to wait for."""
        if seconds > self.max_wait_seconds:
            if not self.cap_long_waits:
                return None
            seconds = self.max_wait_seconds
        return seconds + random.uniform(0.0, min(1.0, self.backoff_seconds))
