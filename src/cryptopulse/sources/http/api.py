"""One JSON-over-HTTP client for every API source: retries, quotas, auth, typed errors.

``JsonApi.request`` sends a request with short timeouts and retries (``HttpPolicy``, via
tenacity) on 429, 5xx, 408, timeouts, broken connections and truncated or invalid JSON. It
honours ``Retry-After`` and the API's own quota headers (when the remaining count reaches 0
the next call waits for the reset), refreshes an expired token once through ``Auth.refresh``
and turns what cannot be retried into a typed error (``errors.py``) naming the service and
path. Credentials travel in headers only and are redacted from any message (what a server
echoes back included).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import RetryCallState

from cryptopulse import __version__
from cryptopulse.sources.http.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from cryptopulse.sources.http.hooks import ApiHooks
from cryptopulse.sources.http.policy import HttpPolicy
from cryptopulse.sources.http.quota import QuotaWindow
from cryptopulse.sources.http.retry import _Retry, retry_after, retrying

log = logging.getLogger(__name__)

_REDACTED = "***"


def new_http_client(user_agent: str | None = None) -> httpx.Client:
    """The HTTP client every API shares the setup of: JSON, our user agent, no redirects."""
    return httpx.Client(
        headers={
            "accept": "application/json",
            "user-agent": user_agent or f"cryptopulse/{__version__}",
        },
        follow_redirects=False,
    )


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


class JsonApi:
    """A JSON API at ``base_url``, called ``service`` in messages (e.g. "X API").

    ``hooks`` holds what is the API's own (credentials, quota headers, refusals), ``policy``
    how hard to try; ``http`` may be any ``httpx.Client`` (tests pass their own, a shared one
    is not closed here) and ``sleep`` is for tests too.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        hooks: ApiHooks | None = None,
        policy: HttpPolicy | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{service} base URL must be an http(s) URL (got {base_url!r})")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.hooks = hooks or ApiHooks()
        self.auth = self.hooks.auth
        self.policy = policy or HttpPolicy()
        self.timeout = self.policy.timeout()
        self.stats = CallStats()
        self._quota = QuotaWindow(self.hooks.quota)
        self._sleep = sleep
        self._own_http = http is None
        self._http = http or new_http_client()

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
        """Send one request (retried as the policy says); the decoded JSON answer.

        ``path`` is relative to ``base_url`` unless it is an absolute URL; ``expect`` is the
        type the answer must have (anything else counts as a broken answer and is retried).
        """
        refreshed = [False]
        loop = retrying(self.policy, self._sleep, self._count_retry, self._too_long)
        call = _Call(method, path, params, json_body, form, headers, expect, use_auth)
        try:
            return loop(self._attempt, call, refreshed)
        except _Retry as exc:
            message = (
                f"{self.service} {path}: gave up after {self.policy.attempts} attempts "
                f"(last: {exc.kind})"
            )
            if exc.kind == "HTTP 429":
                raise RateLimitedError(message + self._hint(), 429, self.service) from None
            raise UnavailableError(message, service=self.service) from None

    def _attempt(self, call: _Call, refreshed: list[bool]) -> Any:
        self._wait_for_quota()
        if self.hooks.throttle is not None:
            self.stats.throttled_seconds += self.hooks.throttle()
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
        self._quota.note(response)
        expired = self.hooks.expired(response)
        if call.use_auth and self.auth is not None and expired and not refreshed[0]:
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
        if self.hooks.refuse is not None:
            error = self.hooks.refuse(response, call.path)
            if error is not None:
                raise error
        message = self.describe(response)
        what = f"{self.service} {call.path} answered HTTP {status}"
        if status in (401, 403) or self.hooks.expired(response):
            raise AuthError(f"{what}: {message}{self._hint()}", status, self.service)
        if status == 404:
            raise NotFoundError(f"{what}: {message}", status, self.service)
        raise ApiError(f"{what}: {message}", status, self.service)

    def describe(self, response: httpx.Response) -> str:
        """The message of a refusal, with any echo of a secret removed."""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        message = self.hooks.error_message(body) or response.text[:200] or response.reason_phrase
        return self.redact(" ".join(message.split()))

    def redact(self, text: str) -> str:
        for secret in self.auth.secrets() if self.auth else []:
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    def _hint(self) -> str:
        return f". {self.hooks.hint}" if self.hooks.hint else ""

    # ---- waits the server asks for --------------------------------------------------------
    def _server_wait(self, response: httpx.Response) -> float | None:
        """Seconds a 429 asks us to wait: Retry-After, else the quota reset."""
        wait = retry_after(response)
        if wait is None:
            reset = self._quota.reset_at(response)
            wait = None if reset is None else max(0.0, reset - time.time())
        return wait

    def _too_long(self, seconds: float) -> RateLimitedError:
        message = f"{self.service}: asked to wait {seconds / 60:.0f} minutes{self._hint()}"
        return RateLimitedError(message, 429, self.service)

    def _wait_for_quota(self) -> None:
        wait = self._quota.wait_seconds()
        if wait <= 0:
            return
        if wait > self.policy.max_wait_seconds:
            raise RateLimitedError(
                f"{self.service}: the rate-limit window resets in {wait / 60:.0f} minutes"
                f"{self._hint()}",
                service=self.service,
            )
        log.info("%s: quota spent, waiting %.0f s for its reset", self.service, wait)
        self.stats.throttled_seconds += wait
        self._sleep(wait)
        self._quota.clear()

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
