"""The CoinGecko HTTP client: every endpoint goes through one private request function.

``_request`` waits for the rate limiter, sends the request with short timeouts, retries with
exponential backoff and jitter (tenacity) on 429, 5xx, timeouts, broken connections and
truncated or invalid JSON, honours ``Retry-After``, and turns what cannot be retried into a
typed error (``errors.py``). The API key travels in a header only; it is never logged, never
in an error message (anything the server echoes back is redacted) and never in a repr.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import SecretStr
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from cryptopulse import __version__
from cryptopulse.sources.coingecko.errors import (
    AuthError,
    CoinGeckoError,
    NotFoundError,
    PlanLimitError,
    RateLimitedError,
    UnavailableError,
)
from cryptopulse.sources.coingecko.ratelimit import RateLimiter
from cryptopulse.sources.http import CallStats, retry_after

log = logging.getLogger(__name__)

Plan = Literal["public", "demo", "pro"]
PLANS: tuple[Plan, ...] = ("public", "demo", "pro")
PUBLIC_BASE_URL = "https://api.coingecko.com/api/v3"
PRO_BASE_URL = "https://pro-api.coingecko.com/api/v3"
DEFAULT_BASE_URLS: dict[Plan, str] = {
    "public": PUBLIC_BASE_URL,
    "demo": PUBLIC_BASE_URL,
    "pro": PRO_BASE_URL,
}
KEY_HEADERS: dict[Plan, str] = {"demo": "x-cg-demo-api-key", "pro": "x-cg-pro-api-key"}
# Safe defaults: keyless use gets roughly 5-30 calls a minute depending on load; the Demo
# plan advertised 30 (now up to 100); the smallest paid plan allows 250.
DEFAULT_CALLS_PER_MINUTE: dict[Plan, float] = {"public": 10.0, "demo": 30.0, "pro": 250.0}
# CoinGecko's error codes for "beyond your plan": endpoint not on the plan, history range.
PLAN_LIMIT_CODES = frozenset({10005, 10006, 10012})
_PLAN_LIMIT_WORDS = ("allowed time range", "paid plan", "plan restricted")
MAX_RETRY_AFTER_SECONDS = 120.0
_REDACTED = "***"


class _Retry(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, kind: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.retry_after = retry_after


class CoinGeckoClient:
    """A small CoinGecko API client (``/coins/list``, ``/coins/markets``,
    ``/coins/{id}/market_chart/range``).

    ``http`` may be any ``httpx.Client`` (tests pass one pointed at a local fake server);
    the client builds absolute URLs from ``base_url`` and sets its own timeout per request.
    """

    def __init__(
        self,
        plan: Plan = "public",
        api_key: SecretStr | str | None = None,
        base_url: str | None = None,
        calls_per_minute: float | None = None,
        timeout_seconds: float = 10.0,
        max_retries: int = 6,
        backoff_seconds: float = 2.0,
        backoff_max_seconds: float = 60.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"unknown CoinGecko plan {plan!r}; accepted: {', '.join(PLANS)}")
        key = api_key if isinstance(api_key, SecretStr) or api_key is None else SecretStr(api_key)
        if key is not None and not key.get_secret_value().strip():
            key = None
        if plan != "public" and key is None:
            raise ValueError(
                f"the CoinGecko {plan} plan needs a key: set CRYPTOPULSE_COINGECKO_API_KEY "
                "in the environment (or CRYPTOPULSE_COINGECKO_PLAN=public for keyless use)"
            )
        if plan == "public" and key is not None:
            raise ValueError(
                "CRYPTOPULSE_COINGECKO_API_KEY is set but CRYPTOPULSE_COINGECKO_PLAN is public: "
                "set the plan to demo or pro to match the key"
            )
        if timeout_seconds <= 0 or max_retries < 0 or backoff_seconds < 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")
        self.plan: Plan = plan
        self._key = key
        self.base_url = (base_url or DEFAULT_BASE_URLS[plan]).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"CRYPTOPULSE_COINGECKO_BASE_URL must be an http(s) URL (got {self.base_url!r})"
            )
        self.calls_per_minute = float(calls_per_minute or DEFAULT_CALLS_PER_MINUTE[plan])
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = max(backoff_max_seconds, backoff_seconds)
        self.stats = CallStats()
        self._limiter = RateLimiter(self.calls_per_minute)
        self._sleep = sleep
        self._own_http = http is None
        self._http = http or httpx.Client(
            headers={"accept": "application/json", "user-agent": f"cryptopulse/{__version__}"},
            follow_redirects=False,
        )
        self._backoff = wait_exponential_jitter(
            multiplier=backoff_seconds, max=self.backoff_max_seconds, jitter=backoff_seconds
        )

    def __repr__(self) -> str:
        key = "set" if self._key is not None else "none"
        return f"CoinGeckoClient(plan={self.plan!r}, base_url={self.base_url!r}, key={key})"

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> CoinGeckoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- endpoints ------------------------------------------------------------------------
    def coins_list(self) -> list[dict[str, Any]]:
        """Every coin CoinGecko lists: ``[{"id", "symbol", "name"}, ...]``."""
        data = self._request("/coins/list", expect=list)
        return [item for item in data if isinstance(item, dict) and item.get("id")]

    def coins_markets(self, per_page: int = 250, page: int = 1) -> list[dict[str, Any]]:
        """One page of coins by market cap, largest first (USD)."""
        params: dict[str, str | int] = {
            "vs_currency": "usd",
            "order": "market_cap_desc",
            "per_page": per_page,
            "page": page,
            "sparkline": "false",
        }
        data = self._request("/coins/markets", params, expect=list)
        return [item for item in data if isinstance(item, dict) and item.get("id")]

    def market_chart_range(self, coin_id: str, start: int, end: int) -> dict[str, Any]:
        """Price, market cap and volume of ``coin_id`` (USD) between two UNIX times (s).

        The answer holds ``prices``, ``market_caps`` and ``total_volumes`` as
        ``[[ms, value], ...]``; hourly for ranges of up to 90 days, daily beyond.
        """
        path = f"/coins/{quote(coin_id, safe='')}/market_chart/range"
        params: dict[str, str | int] = {"vs_currency": "usd", "from": start, "to": end}
        data: dict[str, Any] = self._request(path, params, expect=dict)
        return data

    # ---- the one request function ---------------------------------------------------------
    def _request(
        self, path: str, params: Mapping[str, str | int] | None = None, expect: type = object
    ) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, path, params, expect)
        except _Retry as exc:
            attempts = self.max_retries + 1
            message = f"CoinGecko {path}: gave up after {attempts} attempts (last: {exc.kind})"
            if exc.kind == "HTTP 429":
                raise RateLimitedError(
                    message + "; lower CRYPTOPULSE_COINGECKO_CALLS_PER_MINUTE or use a key"
                ) from None
            raise UnavailableError(message) from None

    def _attempt(self, path: str, params: Mapping[str, str | int] | None, expect: type) -> Any:
        self.stats.throttled_seconds += self._limiter.acquire()
        self.stats.calls += 1
        try:
            response = self._http.get(
                self.base_url + path, params=params, headers=self._headers(), timeout=self.timeout
            )
        except httpx.TimeoutException:
            raise _Retry("timeout") from None
        except httpx.TransportError as exc:  # refused, reset, or a body cut short
            raise _Retry(f"connection error ({type(exc).__name__})") from None
        return self._decode(response, path, expect)

    def _headers(self) -> dict[str, str]:
        if self._key is None or self.plan == "public":
            return {}
        return {KEY_HEADERS[self.plan]: self._key.get_secret_value()}

    def _decode(self, response: httpx.Response, path: str, expect: type) -> Any:
        status = response.status_code
        if status == 200:
            try:
                data = json.loads(response.content)
            except ValueError:  # truncated or not JSON at all
                raise _Retry("invalid JSON") from None
            if not isinstance(data, expect):
                raise _Retry("unexpected payload")
            return data
        if status == 429:
            self.stats.rate_limited += 1
            raise _Retry("HTTP 429", retry_after=retry_after(response))
        if status >= 500 or status == 408:
            raise _Retry(f"HTTP {status}", retry_after=retry_after(response))
        code, message = self._error_details(response)
        what = f"CoinGecko {path} answered HTTP {status}" + (f", error {code}" if code else "")
        if code in PLAN_LIMIT_CODES or any(w in message.lower() for w in _PLAN_LIMIT_WORDS):
            raise PlanLimitError(f"{what}: {message}", code=code)
        if status in (401, 403):
            raise AuthError(
                f"{what}: {message}. Check CRYPTOPULSE_COINGECKO_API_KEY and "
                "CRYPTOPULSE_COINGECKO_PLAN (a Demo key works on api.coingecko.com, a Pro key "
                "on pro-api.coingecko.com)"
            )
        if status == 404:
            raise NotFoundError(f"{what}: {message}")
        raise CoinGeckoError(f"{what}: {message}")

    def _error_details(self, response: httpx.Response) -> tuple[int | None, str]:
        """The error code and message of a refusal, with any echo of the key removed."""
        code: int | None = None
        message = ""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict):
            status = body.get("status")
            error = body.get("error")
            if isinstance(error, dict):
                status = error.get("status", error)
            if isinstance(status, dict):
                raw_code = status.get("error_code")
                code = raw_code if isinstance(raw_code, int) else None
                message = str(status.get("error_message") or "")
            elif isinstance(error, str):
                message = error
        if not message:
            message = response.text[:200] or response.reason_phrase
        return code, self._redact(" ".join(message.split()))

    def _redact(self, text: str) -> str:
        if self._key is not None:
            secret = self._key.get_secret_value()
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    # ---- retry policy ---------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retry) and exc.retry_after is not None:
            jitter = random.uniform(0.0, min(1.0, self.backoff_seconds))
            return min(exc.retry_after, MAX_RETRY_AFTER_SECONDS) + jitter
        return float(self._backoff(state))

    def _count_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        kind = exc.kind if isinstance(exc, _Retry) else type(exc).__name__
        self.stats.retries += 1
        self.stats.retry_reasons[kind] += 1
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        path = state.args[0] if state.args else "?"
        log.info(
            "CoinGecko %s: %s, retrying in %.1f s (attempt %d)",
            path,
            kind,
            wait,
            state.attempt_number,
        )
