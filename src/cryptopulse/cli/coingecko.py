"""``cryptopulse extract coingecko``: a resumable CoinGecko backfill with progress and summary.

The command runs ``orchestrate.coingecko_backfill`` (which records the run in the lake) with
a progress bar per coin and window, then prints the summary. User mistakes (a bad
``--coins``, an unknown coin id, a refused key) end with one clear line and exit code 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import typer
from rich.progress import Progress, TaskID

from cryptopulse.cli.console import console
from cryptopulse.cli.errors import friendly_errors, settings_or_exit
from cryptopulse.cli.options import backfill_interval
from cryptopulse.cli.progress import counted_bars
from cryptopulse.cli.render import render_backfill, render_run
from cryptopulse.cli.signals import stopped_by_sigterm
from cryptopulse.orchestrate.coingecko_backfill import coingecko_source, run_backfill
from cryptopulse.sources.coingecko.backfill import BackfillListener, CoinOutcome
from cryptopulse.sources.coingecko.history import Window
from cryptopulse.sources.coingecko.source import Coin


class ProgressBars(BackfillListener):
    """One bar for the whole backfill, one for the coin being fetched (its windows)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.overall: TaskID | None = None
        self.coin: TaskID | None = None

    def coins_resolved(self, coins: Sequence[Coin], windows_total: int) -> None:
        self.overall = self.progress.add_task(
            "coingecko", total=windows_total, detail=f"{len(coins)} coins, windows to fetch"
        )

    def coin_started(self, outcome: CoinOutcome, index: int, total: int) -> None:
        already = (
            f", {outcome.days_already_landed} days already landed"
            if outcome.days_already_landed
            else ""
        )
        self.coin = self.progress.add_task(
            outcome.coin_id,
            total=outcome.windows_total,
            detail=f"coin {index + 1}/{total}{already}",
        )

    def window_done(self, outcome: CoinOutcome, window: Window) -> None:
        if self.coin is not None:
            self.progress.update(self.coin, completed=outcome.windows_done, detail=str(window))
        if self.overall is not None:
            self.progress.advance(self.overall)

    def coin_finished(self, outcome: CoinOutcome) -> None:
        if self.coin is not None:
            self.progress.remove_task(self.coin)
            self.coin = None
        if self.overall is not None:  # a coin that stopped early leaves no windows behind
            self.progress.advance(self.overall, outcome.windows_total - outcome.windows_done)
        marks = {"landed": "[green]✔", "up to date": "[green]·", "skipped": "[yellow]✘"}
        mark = marks.get(outcome.status, "[red]✘")
        figures = (
            f"{outcome.windows_done} windows · {outcome.rows_landed:,} rows"
            if outcome.status == "landed"
            else outcome.status + (" (see below)" if outcome.reason else "")
        )
        self.progress.console.print(f"{mark}[/] {outcome.coin_id:<20} {figures}")


def extract_coingecko(
    start: datetime | None, end: datetime | None, coins: str | None, refresh: bool
) -> None:
    """The body of ``cryptopulse extract coingecko``."""
    settings = settings_or_exit()
    with friendly_errors(settings):
        interval = backfill_interval(start, end)
        with (
            stopped_by_sigterm(),
            coingecko_source(settings, coins) as source,
            counted_bars(width=20) as progress,
        ):
            record = run_backfill(settings, source, interval, refresh, ProgressBars(progress))
    console.print(render_run(record))
    console.print(render_backfill(record["coingecko"]))
    if record["status"] != "ok":
        raise typer.Exit(code=1)
