"""``cryptopulse import-posts``: an archive file of posts into the lake, a bar for its bytes."""

from __future__ import annotations

from typing import Annotated

import typer

from cryptopulse.cli.console import console
from cryptopulse.cli.errors import friendly_errors, settings_or_exit
from cryptopulse.cli.progress import file_bar
from cryptopulse.cli.render import render_import
from cryptopulse.orchestrate.archive_import import run_import
from cryptopulse.sources.archive import ImportOptions, plan_import

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
        )
        plan = plan_import(options)
        with file_bar(f"import {plan.file.path.name}", plan.file.size) as on_progress:
            record = run_import(settings, options, plan, on_progress)  # recorded even if failing
    console.print(render_import(record))
