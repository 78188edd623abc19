"""The CoinGecko HTTP client: every endpoint goes through one request function.

``_request`` is the shared ``sources.http.JsonApi`` with CoinGecko's rules plugged in: it
waits for the client-side rate limiter before every attempt, retries with exponential
backoff and jitter (tenacity) on 429, 5xx, timeouts, broken connections and truncated or
invalid JSON, honours ``Retry-After`` (capped at 2 minutes), and turns what cannot be
retried into a typed error of the one ``ApiError`` tree (plan limits by CoinGecko's error
codes). The API key travels in a header only; it is never logged, never in an error message
(anything the server echoes back is redacted) and never in a repr.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from cryptopulse.core.settings import SettingsError
from cryptopulse.sources.coingecko.errors import SERVICE
from cryptopulse.sources.coingecko.ratelimit import RateLimiter
from cryptopulse.sources.http import ApiClient, ApiHooks, HttpPolicy, JsonApi
from cryptopulse.sources.http.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PlanLimitError,
    RateLimitedError,
)

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
QUOTA_HINT = "lower CRYPTOPULSE_COINGECKO_CALLS_PER_MINUTE or use a key"


class CoinGeckoClient(ApiClient):
    """A small CoinGecko API client (``/coins/list``, ``/coins/markets``,
    ``/coins/{id}/market_chart/range``).

    ``http`` may be any ``httpx.Client`` (tests pass one pointed at a local fake server);
    the client builds absolute URLs from ``base_url`` and sets its own timeout per request.
    A long ``Retry-After`` is capped at 2 minutes (CoinGecko's windows are a minute long)
    instead of failing, whatever ``policy`` says.
    """

    def __init__(
        self,
        plan: Plan = "public",
        api_key: SecretStr | str | None = None,
        base_url: str | None = None,
        calls_per_minute: float | None = None,
        policy: HttpPolicy | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"unknown CoinGecko plan {plan!r}; accepted: {', '.join(PLANS)}")
        key = api_key if isinstance(api_key, SecretStr) or api_key is None else SecretStr(api_key)
        if key is not None and not key.get_secret_value().strip():
            key = None
        if plan != "public" and key is None:
            raise SettingsError(
                f"the CoinGecko {plan} plan needs a key: set CRYPTOPULSE_COINGECKO_API_KEY "
                "in the environment (or CRYPTOPULSE_COINGECKO_PLAN=public for keyless use)"
            )
        if plan == "public" and key is not None:
            raise SettingsError(
                "CRYPTOPULSE_COINGECKO_API_KEY is set but CRYPTOPULSE_COINGECKO_PLAN is public: "
                "set the plan to demo or pro to match the key"
            )
        self.plan: Plan = plan
        self._key = key
        self.base_url = (base_url or DEFAULT_BASE_URLS[plan]).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"CRYPTOPULSE_COINGECKO_BASE_URL must be an http(s) URL (got {self.base_url!r})"
            )
        self.calls_per_minute = float(calls_per_minute or DEFAULT_CALLS_PER_MINUTE[plan])
        self._limiter = RateLimiter(self.calls_per_minute)
        hooks = ApiHooks(
            auth=_KeyAuth(plan, key), throttle=self._limiter.acquire, refuse=self._refuse
        )
        policy = dataclasses.replace(
            policy or HttpPolicy(), max_wait_seconds=MAX_RETRY_AFTER_SECONDS, cap_long_waits=True
        )
        self.api = JsonApi(SERVICE, self.base_url, hooks, policy, http, sleep)

    def __repr__(self) -> str:
        key = "set" if self._key is not None else "none"
        return f"CoinGeckoClient(plan={self.plan!r}, base_url={self.base_url!r}, key={key})"

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
        try:
            return self.api.get(path, params, expect=expect)
        except RateLimitedError as exc:  # still 429 after every retry: say how to call less
            raise RateLimitedError(f"{exc}; {QUOTA_HINT}", exc.status, SERVICE) from None

    def _refuse(self, response: httpx.Response, path: str) -> ApiError:
        """CoinGecko's error for an answer that is not retried (a plan limit by its code)."""
        status = response.status_code
        code, message = self._error_details(response)
        what = f"CoinGecko {path} answered HTTP {status}" + (f", error {code}" if code else "")
        if code in PLAN_LIMIT_CODES or any(w in message.lower() for w in _PLAN_LIMIT_WORDS):
            return PlanLimitError(f"{what}: {message}", status, SERVICE, code=code)
        if status in (401, 403):
            return AuthError(
                f"{what}: {message}. Check CRYPTOPULSE_COINGECKO_API_KEY and "
                "CRYPTOPULSE_COINGECKO_PLAN (a Demo key works on api.coingecko.com, a Pro key "
                "on pro-api.coingecko.com)",
                status,
                SERVICE,
            )
        if status == 404:
            return NotFoundError(f"{what}: {message}", status, SERVICE)
        return ApiError(f"{what}: {message}", status, SERVICE)

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
        return code, self.api.redact(" ".join(message.split()))


class _KeyAuth:
    """The plan's API key header (none for keyless use); keys do not expire."""

    def __init__(self, plan: Plan, key: SecretStr | None) -> None:
        self._plan = plan
        self._key = key

    def headers(self) -> dict[str, str]:
        if self._key is None or self._plan == "public":
            return {}
        return {KEY_HEADERS[self._plan]: self._key.get_secret_value()}

    def refresh(self) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()] if self._key is not None else []
