"""cryptopulse: crypto market stats and social posts into an analysis-ready star schema."""

__version__ = "0.1.0"
