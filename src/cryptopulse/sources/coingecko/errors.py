"""Typed errors of the CoinGecko source: what went wrong, and what the user can do about it.

Messages never contain the API key: the client redacts anything the server echoes back.
"""

from __future__ import annotations

from cryptopulse.core.errors import ServiceError


class CoinGeckoError(ServiceError):
    """Something CoinGecko answered (or failed to answer) that the source cannot use."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message, "CoinGecko")


class PlanLimitError(CoinGeckoError):
    """The request is beyond what the access plan allows (e.g. error 10012: history older
    than the 365 days a public or Demo key may read). Retrying does not help."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class AuthError(CoinGeckoError):
    """The API key is missing, wrong, or meant for the other base URL (HTTP 401/403)."""


class NotFoundError(CoinGeckoError):
    """CoinGecko does not know what was asked for (HTTP 404), e.g. a coin id."""


class UnknownCoinError(CoinGeckoError):
    """A coin id asked for is not in CoinGecko's ``/coins/list``."""


class RateLimitedError(CoinGeckoError):
    """Still answered HTTP 429 (too many requests) after every retry."""


class UnavailableError(CoinGeckoError):
    """Server errors, timeouts, broken connections or invalid JSON after every retry."""
