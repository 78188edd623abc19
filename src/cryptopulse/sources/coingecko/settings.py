"""CoinGecko's settings: access plan and key, API root, rate limit, HTTP policy, coins."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from cryptopulse.core.settings_base import (
    BackoffSeconds,
    EmptyIsUnset,
    HttpSettings,
    MaxRetries,
    SettingsSection,
    TimeoutSeconds,
)


class CoinGeckoSettings(SettingsSection):
    """Real market data from CoinGecko (backfill: `cryptopulse extract coingecko`)."""

    coingecko_plan: Literal["public", "demo", "pro"] = Field(
        default="public",
        description="CoinGecko access plan: public (no key), demo or pro (both need a key).",
    )
    coingecko_api_key: Annotated[SecretStr | None, EmptyIsUnset] = Field(
        default=None,
        description="CoinGecko Demo or Pro key: from the environment only, never logged.",
    )
    coingecko_base_url: Annotated[str | None, EmptyIsUnset] = Field(
        default=None,
        description="CoinGecko API root; unset = the plan's (api. or pro-api.coingecko.com).",
    )
    coingecko_calls_per_minute: Annotated[float | None, EmptyIsUnset] = Field(
        default=None,
        gt=0,
        description="Client-side rate limit; unset = the plan's (public 10, demo 30, pro 250).",
    )
    coingecko_timeout_seconds: TimeoutSeconds = 10.0
    coingecko_max_retries: MaxRetries = 6
    coingecko_backoff_seconds: BackoffSeconds = 2.0
    coingecko_window_days: int = Field(
        default=90, ge=1, le=90, description="Days per history request (hourly up to 90)."
    )
    coingecko_coins: str = Field(
        default="top:20", description="Coins to fetch: top:N by market cap or comma-separated ids."
    )

    @field_validator("coingecko_base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("accepted: an http:// or https:// URL, or unset for the plan's")
        return value.rstrip("/") if value else value

    @property
    def http(self) -> HttpSettings:
        return HttpSettings.of(self, "coingecko")
