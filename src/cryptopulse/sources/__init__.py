"""Sources: one module per source behind one small interface (``sources.base.Source``)."""

from __future__ import annotations

from cryptopulse.settings import Settings
from cryptopulse.sources.base import Source

KNOWN_SOURCES = ("demo",)


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
    raise ValueError(f"unknown source {name!r}; accepted: {', '.join(KNOWN_SOURCES)}")
