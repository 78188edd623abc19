"""``cryptopulse extract coingecko``: a resumable CoinGecko backfill with progress and summary.

The command behind the CLI's ``extract coingecko``: it builds the source from the settings,
runs ``sources.coingecko.backfill`` with a progress bar per coin and window, records the
run in the lake like every other command (``state/runs/<id>.json``, with the CoinGecko
figures under ``coingecko``) and prints the summary. User mistakes (a bad ``--coins``, an
unknown coin id, a refused key) end with one clear line and exit code 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.orchestrate import pipeline
from cryptopulse.serve.coingecko_summary import render_backfill
from cryptopulse.serve.summary import render_run
from cryptopulse.sources.coingecko import build_coingecko_source
from cryptopulse.sources.coingecko.backfill import (
    BackfillListener,
    CoinOutcome,
    backfill,
)
from cryptopulse.sources.coingecko.errors import CoinGeckoError
from cryptopulse.sources.coingecko.history import Window
from cryptopulse.sources.coingecko.source import Coin, CoinGeckoSource


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


def default_interval(start: datetime | None, end: datetime | None) -> Interval:
    """Like the other commands, except that ``--end`` defaults to today: a backfill from
    ``--start`` through yesterday (``--start`` still defaults to yesterday)."""
    from cryptopulse.cli import resolve_interval

    if start is not None and end is None:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = max(today, start.replace(tzinfo=UTC) + timedelta(days=1)).replace(tzinfo=None)
    return resolve_interval(start, end)


def run_backfill(
    settings: Settings,
    source: CoinGeckoSource,
    interval: Interval,
    refresh: bool,
    listener: BackfillListener | None = None,
) -> dict[str, Any]:
    """Backfill and record the run in the lake (even when it fails); returns the record."""
    command = f"extract coingecko --coins {source.selection}" + (" --refresh" if refresh else "")
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
    return report.to_record()


def extract_coingecko(
    start: datetime | None, end: datetime | None, coins: str | None, refresh: bool
) -> None:
    """The body of ``cryptopulse extract coingecko``."""
    from cryptopulse.cli import UserError, console, friendly_errors, settings_or_exit

    settings = settings_or_exit()
    with friendly_errors():
        interval = default_interval(start, end)
        source = build_coingecko_source(settings, coins)
        try:
            columns: list[Any] = [
                TextColumn("[bold blue]{task.description:<20}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[detail]}"),
            ]
            with Progress(*columns, console=console) as progress:
                record = run_backfill(settings, source, interval, refresh, ProgressBars(progress))
        except CoinGeckoError as exc:
            raise UserError(str(exc)) from None
        finally:
            source.close()
    console.print(render_run(record))
    console.print(render_backfill(record["coingecko"]))
    if record["status"] != "ok":
        raise typer.Exit(code=1)
