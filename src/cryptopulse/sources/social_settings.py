"""Settings every social-post API source shares: the coins searched and the HTTP policy."""

from __future__ import annotations

from pydantic import Field

from cryptopulse.core.settings_base import (
    BackoffSeconds,
    HttpSettings,
    MaxRetries,
    SettingsSection,
    TimeoutSeconds,
)


class SocialSettings(SettingsSection):
    """What the social-post API sources share: the coins searched and the HTTP policy."""

    social_coins: str = Field(
        default="bitcoin,ethereum,solana",
        description="Coins X and Bluesky search posts for (CoinGecko ids, comma-separated).",
    )
    social_timeout_seconds: TimeoutSeconds = 15.0
    social_max_retries: MaxRetries = 5
    social_backoff_seconds: BackoffSeconds = 2.0

    @property
    def http(self) -> HttpSettings:
        return HttpSettings.of(self, "social")
