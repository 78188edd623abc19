"""The retry policy every API client shares (``sources.http.HttpPolicy``): what the settings
set, and how long a server-requested wait is honoured. The retries themselves are tested
against each source's fake API (test_coingecko.py, test_source_*.py)."""

from __future__ import annotations

import pytest

from cryptopulse.core.settings import Settings, section
from cryptopulse.sources.coingecko.settings import CoinGeckoSettings
from cryptopulse.sources.http import HttpPolicy
from cryptopulse.sources.social_settings import SocialSettings


def test_the_policy_comes_from_a_sources_settings() -> None:
    settings = Settings(social_max_retries=3, social_timeout_seconds=7.5, coingecko_max_retries=9)
    social = HttpPolicy.from_settings(section(settings, SocialSettings).http)
    assert (social.timeout_seconds, social.max_retries, social.attempts) == (7.5, 3, 4)
    assert HttpPolicy.from_settings(section(settings, CoinGeckoSettings).http).max_retries == 9


@pytest.mark.parametrize(
    "fields", [{"timeout_seconds": 0}, {"max_retries": -1}, {"backoff_seconds": -0.5}]
)
def test_a_policy_that_cannot_work_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="timeout must be > 0"):
        HttpPolicy(**fields)  # type: ignore[arg-type]


def test_a_long_server_wait_fails_or_is_capped() -> None:
    policy = HttpPolicy(backoff_seconds=0.5, max_wait_seconds=120)
    wait = policy.server_wait(30)
    assert wait is not None and 30 <= wait <= 30.5  # honoured, plus a little jitter
    assert policy.server_wait(121) is None  # an outage: the caller raises RateLimitedError
    capped = HttpPolicy(backoff_seconds=0.5, max_wait_seconds=120, cap_long_waits=True)
    wait = capped.server_wait(3600)
    assert wait is not None and 120 <= wait <= 120.5
