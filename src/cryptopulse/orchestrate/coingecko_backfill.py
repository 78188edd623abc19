"""``cryptopulse extract coingecko`` as a recorded run: a resumable CoinGecko backfill, kept
in the lake like every other run (``state/runs/<id>.json``, its figures under ``coingecko``)."""

from __future__ import annotations

from typing import Any

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources.coingecko import build_coingecko_source
from cryptopulse.sources.coingecko.backfill import BackfillListener, backfill


def run_backfill(
    settings: Settings,
    interval: Interval,
    coins: str | None = None,
    refresh: bool = False,
    listener: BackfillListener | None = None,
) -> dict[str, Any]:
    """Backfill ``coins`` (default CRYPTOPULSE_COINGECKO_COINS) and record the run in the
    lake, even when it fails; returns the record. Some coins failing is a run with status
    ``failed`` (the others landed), not an exception."""
    source = build_coingecko_source(settings, coins)
    try:
        command = f"extract coingecko --coins {source.selection}" + (
            " --refresh" if refresh else ""
        )
        lake = pipeline.open_lake(settings)
        with pipeline.recorded_run(settings, command, interval) as report:
            report.extra["coingecko"] = None
            with pipeline.stage(report, "extract"):
                result = backfill(lake, source, interval, refresh=refresh, listener=listener)
            report.landings = [pipeline.landing_dict(item) for item in result.landings.values()]
            report.extra["coingecko"] = result.to_dict()
            if result.failed:
                report.status = "failed"
                report.error = f"{len(result.failed)} coins failed: run the same command to resume"
    finally:
        source.close()
    return report.to_record()
