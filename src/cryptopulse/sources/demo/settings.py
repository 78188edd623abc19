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
