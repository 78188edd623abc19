"""The demo source's settings: its seed and the ground truth it plants."""

from __future__ import annotations

from pydantic import Field

from cryptopulse.core.settings_base import SettingsSection


class DemoSettings(SettingsSection):
    """The demo source (deterministic, offline) and its planted ground truth."""

    demo_seed: int = Field(default=42, description="Seed of the demo generator.")
    demo_lead_hours: int = Field(
        default=3, ge=0, le=48, description="Demo ground truth: sentiment leads returns by N hours."
    )
    demo_signal: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Demo ground truth: strength of that relation."
    )
    demo_posts_per_day: int = Field(default=4400, ge=1, description="Demo posts per day.")
    demo_coin_copies: int = Field(
        default=1,
        ge=1,
        le=100,
        description="Demo: copies of the 30-coin universe (10: 300 coins, 10x the hourly rows).",
    )
    # The hard cases for lead-lag statistics (docs/leadlag.md): no-signal data on which an
    # i.i.d. standard error finds leads that are not there. All off by default.
    demo_return_persistence: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="Demo: AR(1) coefficient of the hourly return shocks (0: independent).",
    )
    demo_mood: float = Field(
        default=0.0,
        ge=0.0,
        le=3.0,
        description="Demo: strength of a per-coin hourly mood shared by its posts (0: none).",
    )
    demo_mood_persistence: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="Demo: AR(1) coefficient of that mood from hour to hour.",
    )
    demo_mood_follows_volatility: bool = Field(
        default=False,
        description="Demo: the mood's spread follows the coin's return variance hour by hour.",
    )
