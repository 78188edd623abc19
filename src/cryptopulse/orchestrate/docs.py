"""``cryptopulse docs``: build dbt's docs site for the configured warehouse."""

from __future__ import annotations

from pathlib import Path

from cryptopulse.core.settings import Settings
from cryptopulse.enrich.step import versions as enrich_versions
from cryptopulse.lake import open_lake
from cryptopulse.warehouse import dbt_runner


def build_docs(settings: Settings) -> Path:
    """The docs site's folder, generated now from the project and the warehouse's catalog."""
    return dbt_runner.generate_docs(settings, open_lake(settings), enrich_versions())
