"""The ``cryptopulse`` command line: the pipeline's steps, a demo, and a status view.

Each command checks its options and calls ``orchestrate``; errors go through
``cli.errors.friendly_errors``, summaries through ``cli.render``.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from cryptopulse import __version__
from cryptopulse.cli.coingecko import extract_coingecko
from cryptopulse.cli.console import console
from cryptopulse.cli.errors import fail, friendly_errors, settings_or_exit
from cryptopulse.cli.options import (
    EndOption,
    EnrichStartOption,
    FullRefreshOption,
    StartOption,
    resolve_interval,
)
from cryptopulse.cli.progress import file_bar
from cryptopulse.cli.render import render_import, render_status
from cryptopulse.cli.steps import ALL_STEPS, run_steps
from cryptopulse.core.errors import UserError
from cryptopulse.orchestrate.archive_import import run_import
from cryptopulse.orchestrate.status import move_unreadable as move_unreadable_files
from cryptopulse.orchestrate.status import status as lake_and_warehouse_status
from cryptopulse.sources import registry as source_registry
from cryptopulse.sources.archive import ImportOptions, plan_import

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
        fail(f"--scale must be one of {', '.join(SCALES)} (got {scale!r})", code=2)
    run_steps(f"demo --scale {scale}", SCALES[scale], ALL_STEPS)


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
    run_steps("run", interval, ALL_STEPS, full_refresh=full_refresh)


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
    run_steps("extract", interval, ("extract",))


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
    "with the wrong number of fields, a record over CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES), never "
    "dropped; an import that lands nothing says why and exits with status 1. Text is UTF-8, "
    "or UTF-16/UTF-32 with a byte-order mark. Re-importing a file rewrites the same "
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
            max_record_bytes=settings.import_max_record_bytes,
        )
        plan = plan_import(options)
        with file_bar(f"import {plan.file.path.name}", plan.file.size) as on_progress:
            record = run_import(settings, options, plan, on_progress)  # recorded even if failing
    console.print(render_import(record))
    if record.get("status") != "ok":  # nothing landed: the summary says why
        raise typer.Exit(code=1)


@app.command()
def transform(full_refresh: FullRefreshOption = False) -> None:
    """Build the warehouse (dbt: staging → dims → facts → aggregate) and run every check.

    Enriches any landed post not yet enriched, then merges every lake partition into the
    incremental tables (use `run` to merge only the days it lands). A failing check stops
    the run with the table, the check and the number of failing rows.
    """
    run_steps("transform", None, ("enrich", "transform"), full_refresh=full_refresh)


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
    run_steps("enrich", interval, ("enrich",))


@app.command()
def export() -> None:
    """Write the warehouse's dims, facts and aggregate to the lake's marts/ folder."""
    run_steps("export", None, ("export",))


@app.command()
def status(
    move_unreadable: Annotated[
        bool,
        typer.Option(
            "--move-unreadable",
            help="Move the lake files that cannot be read (damaged, truncated) into "
            "quarantine/unreadable/ in the lake, then show the status.",
        ),
    ] = False,
) -> None:
    """Show what is in the lake and the warehouse, with row counts, and the last run.

    Lake files that cannot be read are listed with what to do; what interrupted runs
    left behind is explained.
    """
    settings = settings_or_exit()
    with friendly_errors(settings):
        if move_unreadable:
            for moved_from, moved_to in move_unreadable_files(settings):
                console.print(f"moved {moved_from} → {moved_to}")
        console.print(render_status(lake_and_warehouse_status(settings)))


PortOption = Annotated[
    int | None,
    typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.", show_default=False),
]


@app.command()
def dashboard(port: PortOption = None) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT (default CRYPTOPULSE_DASHBOARD_PORT, 8501).

    Streamlit pages with Plotly charts over the marts: market, social, price × sentiment
    and pipeline health. It reads the warehouse read-only (or, when the warehouse cannot be
    reached, the marts exported to the lake) and never writes. It listens on loopback only:
    from another machine, forward the port (ssh -L 8501:127.0.0.1:8501 HOST).
    """
    from cryptopulse.serve.dashboard import launch

    settings = settings_or_exit()
    chosen = port or settings.dashboard_port
    with friendly_errors(settings):
        launch.check_installed()
        launch.check_port_free(chosen, "CRYPTOPULSE_DASHBOARD_PORT")
    command = launch.streamlit_command(chosen)
    console.print(f"Dashboard on http://{launch.HOST}:{chosen}/  (Ctrl-C to stop)")
    sys.stdout.flush()
    os.execve(command[0], command, launch.streamlit_environment(settings))  # Streamlit takes over


@app.command()
def docs(
    port: PortOption = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after building it.")
    ] = True,
) -> None:
    """Build dbt's docs site for the warehouse and serve it on http://127.0.0.1:PORT
    (default CRYPTOPULSE_DOCS_PORT, 8580).

    Every model with its columns and checks, the warehouse's own column types, and the
    lineage graph from the lake's sources to the marts.
    """
    from cryptopulse.orchestrate.docs import build_docs
    from cryptopulse.serve.docs_site import docs_server

    settings = settings_or_exit()
    chosen = port or settings.docs_port
    with friendly_errors(settings):
        with console.status("dbt docs generate …"):
            site = build_docs(settings)
        console.print(f"dbt docs built in {site}")
        if not serve:
            return
        server = docs_server(site, chosen)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    console.print(f"dbt docs on {url}  (Ctrl-C to stop)")
    sys.stdout.flush()
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")


@app.command()
def version() -> None:
    """Print the cryptopulse version."""
    console.print(__version__)


def main() -> None:
    app(prog_name="cryptopulse")
