"""The demo source: deterministic, seeded synthetic data with a planted signal."""

from cryptopulse.core.settings import Settings, section
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.demo.coins import demo_universe
from cryptopulse.sources.demo.posts import Mood
from cryptopulse.sources.demo.settings import DemoSettings
from cryptopulse.sources.demo.source import SCALES, DemoSource

__all__ = ["PLUGIN", "SCALES", "DemoSettings", "DemoSource", "Mood", "build_demo_source"]


def build_demo_source(settings: Settings) -> DemoSource:
    options = section(settings, DemoSettings)
    return DemoSource(
        seed=options.demo_seed,
        lead_hours=options.demo_lead_hours,
        signal=options.demo_signal,
        posts_per_day=options.demo_posts_per_day,
        return_persistence=options.demo_return_persistence,
        mood=Mood(
            strength=options.demo_mood,
            persistence=options.demo_mood_persistence,
            follows_volatility=options.demo_mood_follows_volatility,
        ),
        coins=demo_universe(options.demo_coin_copies),
    )


PLUGIN = SourcePlugin("demo", build_demo_source, DemoSettings, "synthetic market data and posts")
