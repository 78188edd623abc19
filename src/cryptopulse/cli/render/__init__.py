"""Every summary a person reads, rendered with Rich from plain data (run records, status)."""

from __future__ import annotations

from cryptopulse.cli.render.backfill import render_backfill
from cryptopulse.cli.render.import_posts import render_import
from cryptopulse.cli.render.status import render_status
from cryptopulse.cli.render.summary import render_run

__all__ = ["render_backfill", "render_import", "render_run", "render_status"]
