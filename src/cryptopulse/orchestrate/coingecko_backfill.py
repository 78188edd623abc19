"""``cryptopulse extract coingecko`` as a recorded run: a resumable CoinGecko backfill, kept
in the lake like every other run (``state/runs/<id>.json``, its figures under ``coingecko``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources.coingecko import build_coingecko_source
from cryptopulse.sources.coingecko.backfill import BackfillListener, backfill
from cryptopulse.sources.coingecko.source import CoinGeckoSource


@contextmanager
def coingecko_source(settings: Settings, coins: str | None = None) -> Iterator[CoinGeckoSource]:
    """The source for ``coins`` (default CRYPTOPULSE_COINGECKO_COINS), closed afterwards; a
    bad selection is refused here, before anything runs."""
    source = build_coingecko_source(settings, coins)
    try:
        yield source
    finally:
        source.close()


def run_backfill(
    settings: Settings,
    source: CoinGeckoSource,
    interval: Interval,
    refresh: bool = False,
    listener: BackfillListener | None = None,
) -> dict[str, Any]:
    """Backfill and record the run in the lake, even when it fails; returns the record.
    Some coins failing is a run with status ``failed`` (the others landed), not an error."""
    command = f"extract coingecko --coins {source.selection}" + (" --refresh" if refresh else "")
    lake = open_lake(settings)
    with pipeline.recorded_run(settings, command, interval) as report:
        report.extra["coingecko"] = None
        with pipeline.stage(report, "extract"):
            result = backfill(lake, source, interval, refresh=refresh, listener=listener)
        report.landings = [pipeline.landing_dict(item) for item in result.landings.values()]
        report.extra["coingecko"] = result.to_dict()
        if result.failed:
            report.status = "failed"
            report.error = f"{len(result.failed)} coins failed: run the same command to resume"
    return report.to_record()
