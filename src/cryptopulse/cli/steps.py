"""A pipeline run as a command: progress bars while it runs, its summary at the end."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptopulse.cli.console import console
from cryptopulse.cli.errors import friendly_errors, settings_or_exit
from cryptopulse.cli.progress import progress_bars
from cryptopulse.cli.render import render_run
from cryptopulse.cli.signals import stopped_by_sigterm
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.orchestrate import pipeline

ALL_STEPS = ("extract", "enrich", "transform", "export")


def run_steps(
    command: str, interval: Interval | None, steps: tuple[str, ...], full_refresh: bool = False
) -> None:
    """Run pipeline steps with progress bars; print the run summary, even on failure (the
    error itself once, as the last line)."""
    from cryptopulse.warehouse.read import check_landed, check_writable

    settings = settings_or_exit()
    with friendly_errors(settings):
        if "transform" in steps:  # before extracting for an hour, and before dbt's own trace
            check_writable(settings)
            if "extract" not in steps:  # nothing will land: is anything there?
                check_landed(settings)
        started = datetime.now(UTC).replace(microsecond=0)
        try:
            with stopped_by_sigterm(), progress_bars() as bars:
                report = pipeline.run(
                    settings,
                    interval,
                    command=command,
                    progress=bars,
                    steps=steps,
                    full_refresh=full_refresh,
                )
        except (Exception, KeyboardInterrupt):
            _print_failed_run(settings, started)
            raise
        console.print(render_run(report.to_record()))


def _print_failed_run(settings: Settings, started: datetime) -> None:
    """The summary of the run that just failed, if it was recorded, without its error line
    (friendly_errors prints that). Nothing if the lake cannot even be read."""
    try:
        failed = pipeline.last_run(settings)
        recorded = datetime.fromisoformat(str((failed or {}).get("started_at")))
    except Exception:
        return
    if failed is not None and recorded >= started:  # not an earlier run's record
        console.print(render_run({**failed, "error": None}))
