"""The retry loop of ``JsonApi`` (tenacity): what counts as worth retrying, and how long to
wait first: the server's ``Retry-After`` or quota reset when it gives one, else backoff."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from cryptopulse.sources.http.policy import HttpPolicy


class _Retry(Exception):
    """An attempt failed in a way worth retrying (``kind`` says how, for logs and stats).
    Private to this package: ``JsonApi`` raises it, the loop below catches it."""

    def __init__(self, kind: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.retry_after = retry_after


def retrying(
    policy: HttpPolicy,
    sleep: Callable[[float], None],
    before_sleep: Callable[[RetryCallState], None],
    too_long: Callable[[float], Exception],
) -> Retrying:
    """A tenacity loop for one request; ``too_long(seconds)`` is raised when the server asks
    for a wait the policy does not accept."""
    backoff = policy.backoff()

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retry) and exc.retry_after is not None:
            seconds = policy.server_wait(exc.retry_after)
            if seconds is None:
                raise too_long(exc.retry_after)
            return seconds
        return float(backoff(state))

    return Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception_type(_Retry),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )


def number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (``Retry-After``: seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    seconds = number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
