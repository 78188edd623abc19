"""CoinGecko's one error of its own; every other is the HTTP layer's (``sources.http``)."""

from __future__ import annotations

from cryptopulse.sources.http import NotFoundError

SERVICE = "CoinGecko"


class UnknownCoinError(NotFoundError):
    """A coin id asked for is not in CoinGecko's ``/coins/list``."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message, service=SERVICE)
