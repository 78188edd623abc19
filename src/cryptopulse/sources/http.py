"""One JSON-over-HTTP client for the post APIs (X, Reddit, Bluesky): retries, quotas, auth.

``JsonApi.request`` sends a request with short timeouts and retries with exponential
backoff and jitter (tenacity) on 429, 5xx, 408, timeouts, broken connections and truncated
or invalid JSON. It honours ``Retry-After`` and the API's own quota headers (``QuotaHeaders``:
when the remaining count reaches 0 the next call waits for the reset), refreshes an expired
token once through ``Auth.refresh`` and turns what cannot be retried into a typed error
naming the service and path. Credentials travel in headers only and are redacted from any
message (what a server echoes back included).
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from cryptopulse import __version__
from cryptopulse.core.errors import ServiceError

log = logging.getLogger(__name__)

# The longest wait a server may ask for before we call it an outage instead.
MAX_WAIT_SECONDS = 900.0
_REDACTED = "***"


class ApiError(ServiceError):
    """Something an API answered (or failed to answer) that the source cannot use."""

    def __init__(self, message: str = "", status: int | None = None, service: str = "") -> None:
        super().__init__(message, service)
        self.status = status  # the HTTP status of the refusal, when the server answered


class AuthError(ApiError):
    """Credentials missing, wrong or expired, and a refresh did not help (HTTP 401/403)."""


class NotFoundError(ApiError):
    """The API does not know what was asked for (HTTP 404)."""


class RateLimitedError(ApiError):
    """Still answered HTTP 429 after every retry."""


class UnavailableError(ApiError):
    """Server errors, timeouts, broken connections or invalid JSON after every retry."""


class Auth(Protocol):
    """Credentials for a ``JsonApi``: the headers to send and, for tokens that expire, a
    way to get new ones."""

    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> bool:
        """Obtain fresh credentials after the server refused them; False if impossible."""
        ...

    def secrets(self) -> list[str]:
        """Every secret value, so messages can be redacted."""
        ...


@dataclass(frozen=True)
class QuotaHeaders:
    """An API's rate-limit headers: how many calls remain, and when the window resets
    (a UNIX time, or seconds from now)."""

    remaining: str
    reset: str
    reset_is_epoch: bool = True


@dataclass
class CallStats:
    """What a client did, for the run summary (every attempt counts as a call)."""

    calls: int = 0
    retries: int = 0
    rate_limited: int = 0  # HTTP 429 answers received
    retry_reasons: Counter[str] = field(default_factory=Counter)
    throttled_seconds: float = 0.0  # time spent waiting for a quota window

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "retry_reasons": dict(self.retry_reasons.most_common()),
            "throttled_seconds": round(self.throttled_seconds, 2),
        }


class _Retry(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, kind: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.retry_after = retry_after


def _default_expired(response: httpx.Response) -> bool:
    return response.status_code == 401


def _default_error_message(body: Any) -> str:
    """The human part of a JSON error body, in the shapes the post APIs use."""
    if isinstance(body, dict):
        for key in ("detail", "message", "error_description", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
    return ""


class JsonApi:
    """A JSON API at ``base_url``, called as ``service`` in messages (e.g. "X API").

    ``http`` may be any ``httpx.Client`` (tests pass their own); ``expired`` says whether a
    refusal means the token expired (default: HTTP 401); ``hint`` is appended to auth and
    quota errors (which setting to check). An API with its own rules plugs them in:
    ``throttle`` runs before every attempt (a client-side rate limiter; it returns the
    seconds it waited), ``refuse`` turns an answer that is not retried into the API's own
    error (None: the default errors), ``give_up`` builds the error raised when retries run
    out, and ``cap_wait_seconds`` caps a server-requested wait instead of failing on a
    long one.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        auth: Auth | None = None,
        quota: QuotaHeaders | None = None,
        timeout_seconds: float = 10.0,
        max_retries: int = 6,
        backoff_seconds: float = 2.0,
        backoff_max_seconds: float = 60.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        expired: Callable[[httpx.Response], bool] = _default_expired,
        error_message: Callable[[Any], str] = _default_error_message,
        hint: str = "",
        user_agent: str | None = None,
        throttle: Callable[[], float] | None = None,
        refuse: Callable[[httpx.Response, str], Exception | None] | None = None,
        give_up: Callable[[str, str], Exception] | None = None,
        cap_wait_seconds: float | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{service} base URL must be an http(s) URL (got {base_url!r})")
        if timeout_seconds <= 0 or max_retries < 0 or backoff_seconds < 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.quota = quota
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.stats = CallStats()
        self.hint = hint
        self._expired = expired
        self._error_message = error_message
        self._throttle = throttle
        self._refuse = refuse
        self._give_up = give_up
        self._cap_wait = cap_wait_seconds
        self._sleep = sleep
        self._blocked_until = 0.0  # time.time() before which the quota is spent
        self._own_http = http is None
        self._http = http or httpx.Client(
            headers={
                "accept": "application/json",
                "user-agent": user_agent or f"cryptopulse/{__version__}",
            },
            follow_redirects=False,
        )
        self._backoff = wait_exponential_jitter(
            multiplier=backoff_seconds,
            max=max(backoff_max_seconds, backoff_seconds),
            jitter=backoff_seconds,
        )

    def __repr__(self) -> str:
        return f"JsonApi({self.service!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> JsonApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the one request function ---------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None, expect: type = dict) -> Any:
        return self.request("GET", path, params=params, expect=expect)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: type = dict,
        use_auth: bool = True,
    ) -> Any:
        """Send one request (retried as the class says); the decoded JSON answer.

        ``path`` is relative to ``base_url`` unless it is an absolute URL; ``expect`` is the
        type the answer must have (anything else counts as a broken answer and is retried).
        """
        refreshed = [False]
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        call = _Call(method, path, params, json_body, form, headers, expect, use_auth)
        try:
            return retrying(self._attempt, call, refreshed)
        except _Retry as exc:
            message = (
                f"{self.service} {path}: gave up after {self.max_retries + 1} attempts "
                f"(last: {exc.kind})"
            )
            if self._give_up is not None:
                raise self._give_up(exc.kind, message) from None
            if exc.kind == "HTTP 429":
                raise RateLimitedError(message + self._hint()) from None
            raise UnavailableError(message) from None

    def _attempt(self, call: _Call, refreshed: list[bool]) -> Any:
        self._wait_for_quota()
        if self._throttle is not None:
            self.stats.throttled_seconds += self._throttle()
        self.stats.calls += 1
        headers = dict(self.auth.headers()) if (self.auth and call.use_auth) else {}
        headers.update(call.headers or {})
        absolute = call.path.startswith(("http://", "https://"))
        url = call.path if absolute else self.base_url + call.path
        try:
            response = self._http.request(
                call.method,
                url,
                params=call.params,
                json=call.json_body,
                data=call.form,
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.TimeoutException:
            raise _Retry("timeout") from None
        except httpx.TransportError as exc:  # refused, reset, or a body cut short
            raise _Retry(f"connection error ({type(exc).__name__})") from None
        self._note_quota(response)
        if call.use_auth and self.auth is not None and self._expired(response) and not refreshed[0]:
            refreshed[0] = True
            if self.auth.refresh():
                raise _Retry("token expired", retry_after=0.0)
        return self._decode(response, call)

    def _decode(self, response: httpx.Response, call: _Call) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            try:
                data = json.loads(response.content)
            except ValueError:  # truncated or not JSON at all
                raise _Retry("invalid JSON") from None
            if not isinstance(data, call.expect):
                raise _Retry("unexpected payload")
            return data
        if status == 429:
            self.stats.rate_limited += 1
            raise _Retry("HTTP 429", retry_after=self._server_wait(response))
        if status >= 500 or status == 408:
            raise _Retry(f"HTTP {status}", retry_after=retry_after(response))
        if self._refuse is not None:
            error = self._refuse(response, call.path)
            if error is not None:
                raise error
        message = self.describe(response)
        what = f"{self.service} {call.path} answered HTTP {status}"
        if status in (401, 403) or self._expired(response):
            raise AuthError(f"{what}: {message}{self._hint()}", status=status)
        if status == 404:
            raise NotFoundError(f"{what}: {message}", status=status)
        raise ApiError(f"{what}: {message}", status=status)

    def describe(self, response: httpx.Response) -> str:
        """The message of a refusal, with any echo of a secret removed."""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        message = self._error_message(body) or response.text[:200] or response.reason_phrase
        return self.redact(" ".join(message.split()))

    def redact(self, text: str) -> str:
        for secret in self.auth.secrets() if self.auth else []:
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    def _hint(self) -> str:
        return f". {self.hint}" if self.hint else ""

    # ---- quotas ---------------------------------------------------------------------------
    def _note_quota(self, response: httpx.Response) -> None:
        """Remember when the quota window resets if this answer spent its last call."""
        if self.quota is None:
            return
        remaining = _number(response.headers.get(self.quota.remaining))
        if remaining is None or remaining > 0:
            return
        reset = self._reset_at(response)
        if reset is not None:
            self._blocked_until = max(self._blocked_until, reset)

    def _reset_at(self, response: httpx.Response) -> float | None:
        if self.quota is None:
            return None
        value = _number(response.headers.get(self.quota.reset))
        if value is None:
            return None
        return value if self.quota.reset_is_epoch else time.time() + value

    def _server_wait(self, response: httpx.Response) -> float | None:
        """Seconds a 429 asks us to wait: Retry-After, else the quota reset."""
        wait = retry_after(response)
        if wait is None:
            reset = self._reset_at(response)
            wait = None if reset is None else max(0.0, reset - time.time())
        return wait

    def _wait_for_quota(self) -> None:
        wait = self._blocked_until - time.time()
        if wait <= 0:
            return
        if wait > MAX_WAIT_SECONDS:
            raise RateLimitedError(
                f"{self.service}: the rate-limit window resets in {wait / 60:.0f} minutes"
                f"{self._hint()}"
            )
        log.info("%s: quota spent, waiting %.0f s for its reset", self.service, wait)
        self.stats.throttled_seconds += wait
        self._sleep(wait)
        self._blocked_until = 0.0

    # ---- retry policy ---------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retry) and exc.retry_after is not None:
            if self._cap_wait is not None:
                jitter = random.uniform(0.0, min(1.0, self.backoff_seconds))
                return min(exc.retry_after, self._cap_wait) + jitter
            if exc.retry_after > MAX_WAIT_SECONDS:
                raise RateLimitedError(
                    f"{self.service}: asked to wait {exc.retry_after / 60:.0f} minutes"
                    f"{self._hint()}"
                )
            jitter = random.uniform(0.0, min(1.0, self.backoff_seconds))
            return exc.retry_after + jitter
        return float(self._backoff(state))

    def _count_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        kind = exc.kind if isinstance(exc, _Retry) else type(exc).__name__
        self.stats.retries += 1
        self.stats.retry_reasons[kind] += 1
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        call = state.args[0] if state.args else None
        path = call.path if isinstance(call, _Call) else "?"
        log.info(
            "%s %s: %s, retrying in %.1f s (attempt %d)",
            self.service,
            path,
            kind,
            wait,
            state.attempt_number,
        )


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    params: Mapping[str, Any] | None
    json_body: Any
    form: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    expect: type
    use_auth: bool


def _number(value: str | None) -> float | None:
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
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
