"""Sources: one module per source behind one small interface (``sources.base.Source``)."""

from __future__ import annotations

from cryptopulse.core.settings import KNOWN_SOURCES, Settings
from cryptopulse.sources.base import Source

__all__ = ["KNOWN_SOURCES", "build_source"]


def build_source(name: str, settings: Settings) -> Source:
    """The configured source called ``name``."""
    if name == "demo":
        from cryptopulse.sources.demo import DemoSource

        return DemoSource(
            seed=settings.demo_seed,
            lead_hours=settings.demo_lead_hours,
            signal=settings.demo_signal,
            posts_per_day=settings.demo_posts_per_day,
        )
    if name == "coingecko":
        from cryptopulse.sources.coingecko import build_coingecko_source

        return build_coingecko_source(settings)
    if name == "x":
        from cryptopulse.sources.x import build_x_source

        return build_x_source(settings)
    if name == "reddit":
        from cryptopulse.sources.reddit import build_reddit_source

        return build_reddit_source(settings)
    if name == "bluesky":
        from cryptopulse.sources.bluesky import build_bluesky_source

        return build_bluesky_source(settings)
    raise ValueError(f"unknown source {name!r}; accepted: {', '.join(KNOWN_SOURCES)}")
