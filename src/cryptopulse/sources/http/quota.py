"""An API's quota window, read from its rate-limit headers (``QuotaHeaders``): once an answer
says no call remains, the next call waits for the reset instead of earning a 429."""

from __future__ import annotations

import time

import httpx

from cryptopulse.sources.http.hooks import QuotaHeaders
from cryptopulse.sources.http.retry import number


class QuotaWindow:
    """When the quota of the API named by ``headers`` (None: it sends none) resets."""

    def __init__(self, headers: QuotaHeaders | None) -> None:
        self.headers = headers
        self._blocked_until = 0.0  # time.time() before which the quota is spent

    def note(self, response: httpx.Response) -> None:
        """Remember when the window resets if this answer spent its last call."""
        if self.headers is None:
            return
        remaining = number(response.headers.get(self.headers.remaining))
        if remaining is None or remaining > 0:
            return
        reset = self.reset_at(response)
        if reset is not None:
            self._blocked_until = max(self._blocked_until, reset)

    def reset_at(self, response: httpx.Response) -> float | None:
        """The UNIX time this answer says the window resets, if it says."""
        if self.headers is None:
            return None
        value = number(response.headers.get(self.headers.reset))
        if value is None:
            return None
        return value if self.headers.reset_is_epoch else time.time() + value

    def wait_seconds(self) -> float:
        """How long until a spent window resets (0 when calls remain)."""
        return max(0.0, self._blocked_until - time.time())

    def clear(self) -> None:
        self._blocked_until = 0.0
