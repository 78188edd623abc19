"""The CoinGecko source: real market data (coin list and hourly price, market cap, volume).

``client.py`` talks to the API (rate limit, retries, typed errors), ``history.py`` turns its
series into hourly rows, ``source.py`` is the ``Source``, ``backfill.py`` lands history window
by window with per-coin watermarks (``watermark.py``) so an interrupted backfill resumes.
"""

from __future__ import annotations

import httpx

from cryptopulse.core.settings import Settings, section
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.coingecko.client import CoinGeckoClient
from cryptopulse.sources.coingecko.selection import parse_coins
from cryptopulse.sources.coingecko.settings import CoinGeckoSettings
from cryptopulse.sources.coingecko.source import CoinGeckoSource
from cryptopulse.sources.http import HttpPolicy, PlanLimitError

__all__ = [
    "PLUGIN",
    "CoinGeckoClient",
    "CoinGeckoSettings",
    "CoinGeckoSource",
    "PlanLimitError",
    "build_client",
    "build_coingecko_source",
]


def build_client(settings: Settings, http: httpx.Client | None = None) -> CoinGeckoClient:
    """A client for the configured plan, key, base URL, rate limit and retry policy."""
    options = section(settings, CoinGeckoSettings)
    return CoinGeckoClient(
        plan=options.coingecko_plan,
        api_key=options.coingecko_api_key,
        base_url=options.coingecko_base_url,
        calls_per_minute=options.coingecko_calls_per_minute,
        policy=HttpPolicy.from_settings(options.http),
        http=http,
    )


def build_coingecko_source(
    settings: Settings, coins: str | None = None, http: httpx.Client | None = None
) -> CoinGeckoSource:
    """The source for ``coins`` (``top:N`` or ids; default CRYPTOPULSE_COINGECKO_COINS)."""
    options = section(settings, CoinGeckoSettings)
    selection = (
        parse_coins(coins, "--coins")
        if coins is not None
        else parse_coins(options.coingecko_coins, "CRYPTOPULSE_COINGECKO_COINS")
    )
    return CoinGeckoSource(
        build_client(settings, http), selection, window_days=options.coingecko_window_days
    )


PLUGIN = SourcePlugin(
    "coingecko", build_coingecko_source, CoinGeckoSettings, "market data from CoinGecko"
)
