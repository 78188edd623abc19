"""The ``cryptopulse`` command line: the pipeline's steps, a demo, and a status view."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from cryptopulse import __version__
from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings, SettingsError, load_settings
from cryptopulse.orchestrate import pipeline
from cryptopulse.serve.summary import render_run, render_status
from cryptopulse.sources import registry as source_registry

app = typer.Typer(
    name="cryptopulse",
    help=(
        "Crypto market stats and social posts → lake → warehouse star schema → marts.\n\n"
        "Settings come from CRYPTOPULSE_* environment variables, a .env file or "
        "cryptopulse.toml (see .env.example). Defaults need no server and no network: "
        "the demo source, a local lake in ./data/lake and DuckDB in ./data/warehouse.duckdb."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)

StartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start", formats=["%Y-%m-%d"], help="First UTC day to process (default: yesterday)."
    ),
]
EnrichStartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start",
        formats=["%Y-%m-%d"],
        help="First UTC day of landed posts to process (default: every landed post not "
        "enriched yet, whatever its day).",
    ),
]
EndOption = Annotated[
    datetime | None,
    typer.Option(
        "--end",
        formats=["%Y-%m-%d"],
        help="Day after the last one to process, i.e. the range is [start, end) "
        "(default: the day after --start).",
    ),
]


FullRefreshOption = Annotated[
    bool,
    typer.Option(
        "--full-refresh",
        help="Rebuild the warehouse tables from every lake partition instead of merging.",
    ),
]


ALL_STEPS = ("extract", "enrich", "transform", "export")


@contextmanager
def friendly_errors(settings: Settings | None = None) -> Iterator[None]:
    """Turn known errors into one clear line and exit code 1 (``settings`` let a file
    error name the setting the path comes from)."""
    import duckdb

    from cryptopulse.serve.export import ExportError
    from cryptopulse.sources.coingecko.errors import CoinGeckoError
    from cryptopulse.sources.http import ApiError
    from cryptopulse.warehouse.errors import DataQualityError, TransformError
    from cryptopulse.warehouse.read import WarehouseUnavailable, explain_open_error

    try:
        yield
    except (UserError, SettingsError, ValueError, ExportError, WarehouseUnavailable) as exc:
        _fail(str(exc))
    except (ApiError, CoinGeckoError) as exc:  # an API refused or stayed down: it says which
        _fail(str(exc))
    except DataQualityError as exc:
        _fail(f"Stopped: {exc}")
    except TransformError as exc:
        explained = None
        if settings is not None and "Could not set lock" in str(exc):  # taken since the check
            explained = explain_open_error(settings.warehouse_path, str(exc), writing=True)
        _fail(explained or f"Transform failed: {exc}")
    except duckdb.IOException as exc:  # opening the warehouse is explained above: the rest
        _fail(f"DuckDB: {exc}")
    except OSError as exc:  # permission denied, not a directory, disk full…
        _fail(os_error_message(exc, settings))
    except KeyboardInterrupt:
        _fail("Interrupted. Every step is idempotent: run the same command again to resume.")


OS_ERROR_HINTS = {
    errno.ENOTDIR: "a part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder, not a file",
    errno.EEXIST: "something is in the way: often a file where a folder should be",
    errno.EACCES: "check the permissions of that path and the folders above it",
    errno.EPERM: "check the permissions of that path and the folders above it",
    errno.EROFS: "that file system is mounted read-only",
    errno.ENOSPC: "the disk is full: free some space, then run the same command again",
    errno.EDQUOT: "the disk quota is used up: free some space, then run the same command again",
}


def os_error_message(exc: OSError, settings: Settings | None = None) -> str:
    """One line for a failed file operation: the path, what went wrong, what to do."""
    if exc.filename is None:
        return str(exc) or type(exc).__name__
    path = str(exc.filename)
    message = f"{path}: {exc.strerror or exc}"
    hint = OS_ERROR_HINTS.get(exc.errno or 0)
    if hint:
        message += f" ({hint})"
    setting = _setting_of_path(path, settings)
    return f"{message}; it comes from {setting}" if setting else message


def _setting_of_path(path: str, settings: Settings | None) -> str | None:
    """Which setting a path that failed comes from: the lake's, or the warehouse's (its
    folder also holds dbt's work files); both when it is a folder above the two."""
    if settings is None:
        return None
    lake = f"CRYPTOPULSE_LAKE_URL ({settings.lake_url})"
    warehouse = f"CRYPTOPULSE_WAREHOUSE_URL ({settings.warehouse_url})"
    if settings.lake_is_s3:
        in_lake = path.removeprefix("s3://").startswith(settings.lake_url.removeprefix("s3://"))
        return lake if in_lake else None
    resolved = Path(path).expanduser().resolve()
    lake_root = Path(settings.lake_url).expanduser().resolve()
    database = settings.warehouse_path
    work = database.parent / "dbt"
    if resolved == lake_root or lake_root in resolved.parents:
        return lake
    if (
        resolved in (database, work)
        or work in resolved.parents
        or (resolved.parent == database.parent and resolved.name.startswith(database.name))
    ):
        return warehouse
    above = [
        name
        for name, root in ((lake, lake_root), (warehouse, database))
        if resolved in root.parents
    ]
    return " and ".join(above) or None


def _fail(message: str) -> None:
    if os.environ.get("CRYPTOPULSE_DEBUG"):
        raise
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None


def resolve_interval(start: datetime | None, end: datetime | None) -> Interval:
    today = datetime.now(UTC).date()
    first: date = start.date() if start else today - timedelta(days=1)
    last: date = end.date() if end else first + timedelta(days=1)
    if last <= first:
        raise UserError(
            f"--end ({last}) must be after --start ({first}); the range is [start, end)"
        )
    if first > today:
        raise UserError(f"--start ({first}) is in the future: there is no data for it yet")
    return Interval(first, last)


class StageBars:
    """Rich progress bars, one per stage, fed by the pipeline's progress callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int, detail: str) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total, detail="")
        self.progress.update(self.tasks[stage], completed=done, total=total, detail=detail)


@contextmanager
def progress_bars() -> Iterator[StageBars]:
    columns: list[Any] = [
        TextColumn("[bold blue]{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[detail]}"),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        yield StageBars(progress)


def _run_steps(
    command: str, interval: Interval | None, steps: tuple[str, ...], full_refresh: bool = False
) -> None:
    """Run pipeline steps with progress bars; print the run summary, even on failure (the
    error itself once, as the last line)."""
    from cryptopulse.warehouse.read import check_writable

    settings = settings_or_exit()
    with friendly_errors(settings):
        if "transform" in steps:  # before extracting for an hour, and before dbt's own trace
            check_writable(settings)
        started = datetime.now(UTC).replace(microsecond=0)
        try:
            with progress_bars() as bars:
                report = pipeline.run(
                    settings,
                    interval,
                    command=command,
                    progress=bars,
                    steps=steps,
                    full_refresh=full_refresh,
                )
        except Exception:
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


# ---- commands ----------------------------------------------------------------------------
@app.command()
def demo(
    scale: Annotated[
        str,
        typer.Option(
            "--scale",
            help="small: 14 days, ~60k posts, well under a minute. "
            "seed: the original project's scale, 366 days, ≥1.5M posts, ≥250k hourly rows.",
        ),
    ] = "small",
) -> None:
    """Generate demo data and run the whole pipeline on it (no network, no server).

    The demo source is deterministic: the same seed gives the same data. Its ground truth
    (sentiment leads returns by CRYPTOPULSE_DEMO_LEAD_HOURS hours) is written to
    raw/demo/ground_truth.json in the lake.
    """
    from cryptopulse.sources.demo import SCALES

    if scale not in SCALES:
        err_console.print(
            f"[bold red]error:[/] --scale must be one of {', '.join(SCALES)} (got {scale!r})"
        )
        raise typer.Exit(code=2)
    _run_steps(f"demo --scale {scale}", SCALES[scale], ALL_STEPS)


@app.command()
def run(
    start: StartOption = None, end: EndOption = None, full_refresh: FullRefreshOption = False
) -> None:
    """Run every step (extract → enrich → transform → export) for the days [start, end).

    The warehouse merges only the days landed by this run, so a daily run costs a day of
    data; re-running any range leaves it exactly as one clean run would.
    """
    with friendly_errors():
        interval = resolve_interval(start, end)
    _run_steps("run", interval, ALL_STEPS, full_refresh=full_refresh)


@app.command()
def extract(
    source: Annotated[
        str | None,
        typer.Argument(
            help=f"Only this source: {source_registry.described()} "
            "(default: the configured CRYPTOPULSE_SOURCES).",
            show_default=False,
        ),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    coins: Annotated[
        str | None,
        typer.Option(
            "--coins",
            help="coingecko: top:N by market cap, or comma-separated CoinGecko ids "
            "(default: CRYPTOPULSE_COINGECKO_COINS, top:20).",
            show_default=False,
        ),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="coingecko: fetch again the days already landed."),
    ] = False,
) -> None:
    """Fetch the days [start, end) from the sources and land them in the lake.

    Records that fail validation go to quarantine/ in the lake with the reason.

    cryptopulse extract coingecko --coins top:20 --start 2025-01-01
    fetches hourly history in windows of up to 90 days, rate-limited and
    retried; --end defaults to today (a backfill through yesterday). Each
    coin's landed days are recorded in the lake: an interrupted backfill
    resumes where it stopped, and days already landed are not fetched again
    (--refresh fetches them anyway).
    """
    if source == "coingecko":
        from cryptopulse.cli_coingecko import extract_coingecko

        extract_coingecko(start, end, coins, refresh)
        return
    with friendly_errors():
        if coins is not None or refresh:
            raise UserError(
                "--coins and --refresh apply to the coingecko source only, e.g. "
                "cryptopulse extract coingecko --coins top:20 --start 2025-01-01"
            )
        if source is not None and source not in source_registry.names():
            accepted = ", ".join(source_registry.names())
            raise UserError(f"unknown source {source!r}; accepted: {accepted}")
        interval = resolve_interval(start, end)
    if source is not None:
        os.environ["CRYPTOPULSE_SOURCES"] = source  # this command only (validated as a setting)
    _run_steps("extract", interval, ("extract",))


IMPORT_POSTS_HELP = (
    "Import social posts from an archive file into the lake's raw posts, streamed in chunks "
    "(any size, constant memory; .gz and .zst/.zstd files are read directly).\n\n"
    "[bold]snscrape[/]: JSON lines from snscrape --jsonl, one tweet object per line: "
    '{"_type": "snscrape.modules.twitter.Tweet", "id": …, "date": …, "rawContent": …, '
    '"user": {"username": …}, "likeCount": …}. Posts land under source x with their tweet '
    "ids, so they de-duplicate with the X API source. A retweet is a post of its own; tweets "
    "embedded in a line (retweetedTweet, quotedTweet) are not landed apart.\n"
    "  cryptopulse import-posts tweets.jsonl.gz\n\n"
    '[bold]kaggle[/]: the Kaggle "Bitcoin Tweets" CSV (user_name, user_location, …, date, '
    "text, hashtags, source, is_retweet). Source x; the file has no ids, so each post's id "
    "is derived from user_name, date and text (the same on every import); no counts.\n"
    "  cryptopulse import-posts Bitcoin_tweets.csv\n\n"
    "[bold]csv[/], [bold]parquet[/]: any table of posts. Columns map to posts columns by "
    "name (and id to post_id); --map says the rest. created_at and text are required; "
    "without an id column, ids are derived as for kaggle. A file with just "
    "id,created_at,text imports as is.\n"
    "  cryptopulse import-posts posts.csv --platform reddit "
    "--map created_at=timestamp --map text=body\n\n"
    "Every record is landed or quarantined with a reason (a line that is not JSON, a row "
    "with the wrong number of fields), never dropped. Re-importing a file rewrites the same "
    "lake files; the import's record is state/imports/<name>.json in the lake. Then run "
    "`cryptopulse transform`."
)


@app.command("import-posts", help=IMPORT_POSTS_HELP)
def import_posts(
    path: Annotated[
        str,
        typer.Argument(
            help="The archive file (.gz and .zst/.zstd are read directly).", show_default=False
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="snscrape, kaggle, csv or parquet (default: detected from the file).",
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="csv/parquet: posts_column=file_column, repeatable (same-named columns and "
            "id → post_id map by themselves).",
            show_default=False,
        ),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="csv/parquet: the source the posts land under (lake folder raw/<platform>/ "
            "and the source column), e.g. reddit.  \\[default: import]",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The import's name: its lake files and state/imports/<name>.json. "
            "\\[default: the file name without extensions]",
            show_default=False,
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Let this file replace an import of another file under the same name.",
        ),
    ] = False,
    chunk_rows: Annotated[
        int,
        typer.Option("--chunk-rows", min=1, help="Records landed together (memory vs. files)."),
    ] = 50_000,
) -> None:
    """Import social posts from an archive file into the lake (see the formats above)."""
    from cryptopulse.sources.archive import ImportOptions, plan_import
    from cryptopulse.sources.archive.step import run_import
    from cryptopulse.sources.archive.summary import render_import

    settings = settings_or_exit()
    with friendly_errors(settings):
        options = ImportOptions(
            path=path,
            format=fmt,
            mapping=tuple(mapping or ()),
            platform=platform,
            name=name,
            replace=replace,
            chunk_rows=chunk_rows,
        )
        plan = plan_import(options)
        columns: list[Any] = [
            TextColumn("[bold blue]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"import {plan.file.path.name}", total=plan.file.size)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            record = run_import(settings, options, plan, on_progress)  # recorded even if failing
            progress.update(task, completed=plan.file.size)
    console.print(render_import(record))


@app.command()
def transform(full_refresh: FullRefreshOption = False) -> None:
    """Build the warehouse (dbt: staging → dims → facts → aggregate) and run every check.

    Enriches any landed post not yet enriched, then merges every lake partition into the
    incremental tables (use `run` to merge only the days it lands). A failing check stops
    the run with the table, the check and the number of failing rows.
    """
    _run_steps("transform", None, ("enrich", "transform"), full_refresh=full_refresh)


@app.command()
def enrich(start: EnrichStartOption = None, end: EndOption = None) -> None:
    """Find the coins each landed post mentions and score its sentiment, into the lake.

    Without --start, every landed post is considered; posts already done for the current
    resolver and model versions are skipped, so a rerun costs only what is new.
    """
    with friendly_errors():
        if start is None and end is not None:
            raise UserError(
                "--end needs --start: without --start, every landed post not enriched yet "
                "is processed, whatever its day"
            )
        interval = resolve_interval(start, end) if start is not None else None
    _run_steps("enrich", interval, ("enrich",))


@app.command()
def export() -> None:
    """Write the warehouse's dims, facts and aggregate to the lake's marts/ folder."""
    _run_steps("export", None, ("export",))


@app.command()
def status() -> None:
    """Show what is in the lake and the warehouse, with row counts, and the last run."""
    settings = settings_or_exit()
    with friendly_errors(settings):
        console.print(render_status(settings))


@app.command()
def version() -> None:
    """Print the cryptopulse version."""
    console.print(__version__)


def main() -> None:
    app(prog_name="cryptopulse")


if __name__ == "__main__":
    main()
