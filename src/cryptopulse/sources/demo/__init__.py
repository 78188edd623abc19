"""The demo source: deterministic, seeded synthetic data with a planted signal."""

from cryptopulse.sources.demo.source import SCALES, DemoSource

__all__ = ["SCALES", "DemoSource"]
