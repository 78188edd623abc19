"""Lake files that cannot be read: found cheaply, named with their path and what to do.

A Parquet file ends with its footer (the schema and where every column chunk is) and the
magic bytes ``PAR1``; a truncated, overwritten or half-copied file fails there, which costs
one small read per file to check (``footer_problem``). Damage inside a column chunk is only
found by reading the data (``data_problem``): done when a read has already failed without
naming its file, to find which one it was.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cryptopulse.core.errors import UserError
from cryptopulse.lake import layout
from cryptopulse.lake.storage import READ_OPTIONS, Lake

# What readers (pyarrow, DuckDB, thrift, zstd) say about a damaged Parquet file.
CORRUPTION_SIGNS = re.compile(
    r"magic bytes|deserialize thrift|TProtocolException|[Dd]ecompression|corrupt|"
    r"Invalid Input Error: Failed to read file|Invalid column metadata|out of bounds|"
    r"Unexpected end of stream|Parquet file size is|base64|[Pp]arquet|checksum|page integrity|"
    # DuckDB's page reader on a damaged page's sizes (no file named: the candidates are read)
    r"Out of buffer",
)


@dataclass(frozen=True)
class Unreadable:
    """A lake file that cannot be read, and the reader's reason."""

    rel: str
    reason: str


class CorruptLakeFile(UserError):
    """A lake file cannot be read: the message names it and says how to replace it (made by
    ``corrupt``; one plain message, so it crosses process boundaries)."""


def corrupt(lake: Lake, bad: Unreadable, more: int = 0) -> CorruptLakeFile:
    """The error for the unreadable file ``bad`` (and ``more`` others)."""
    others = f" ({more} more unreadable: `cryptopulse status` lists them)" if more else ""
    return CorruptLakeFile(
        f"the lake file {lake.uri(bad.rel)} cannot be read ({_first_line(bad.reason)}); "
        f"{remedy(bad.rel)}{others}"
    )


def remedy(rel: str) -> str:
    """What to do about the unreadable lake file ``rel``."""
    aside = (
        f"or move it aside with `cryptopulse status --move-unreadable` (into {QUARANTINE_ASIDE}/)"
    )
    day = partition_day(rel)
    zone = rel.split("/", 1)[0]
    if zone == layout.ENRICH:
        return "delete it: the next run computes it again from the raw posts"
    if zone == layout.MARTS:
        return "delete it, then run `cryptopulse export` to write it again"
    if zone == layout.STATE:
        return "delete it: the pipeline rebuilds what it holds on the next run"
    if day is not None:
        end = day + timedelta(days=1)
        return (
            f"re-land its day with `cryptopulse run --start {day} --end {end}` (an import: "
            f"import its file again), {aside}"
        )
    return f"land it again, {aside}"


QUARANTINE_ASIDE = f"{layout.QUARANTINE}/unreadable"


def partition_day(rel: str) -> date | None:
    """The day of a day-partitioned lake file (``…/date=YYYY-MM-DD/…``), else None."""
    for piece in rel.split("/"):
        if piece.startswith("date="):
            try:
                return date.fromisoformat(piece.removeprefix("date="))
            except ValueError:
                return None
    return None


def footer_problem(lake: Lake, rel: str) -> str | None:
    """Why the Parquet file ``rel`` has no readable footer, or None if it has one."""
    return _problem(lake, rel, pq.read_metadata)


def data_problem(lake: Lake, rel: str) -> str | None:
    """Why the Parquet file ``rel`` cannot be read whole, or None if it can."""
    return _problem(lake, rel, lambda handle: pq.read_table(handle, **READ_OPTIONS))


def _problem(lake: Lake, rel: str, read: Callable[[Any], object]) -> str | None:
    try:
        with lake.fs.open(lake.path(rel), "rb") as handle:
            read(handle)
    except FileNotFoundError:
        return None  # gone since listed: a rerun replaced it
    except (OSError, pa.ArrowException, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


def unreadable(lake: Lake, rels: Iterable[str], deep: bool = False) -> list[Unreadable]:
    """The files among ``rels`` that cannot be read: footers only, or (``deep``) whole."""
    check = data_problem if deep else footer_problem
    paths = list(rels)
    # Small reads that wait on the disk or S3, not the CPU: a few threads overlap them.
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="check") as pool:
        reasons = list(pool.map(lambda rel: check(lake, rel), paths))
    return [Unreadable(rel, why) for rel, why in zip(paths, reasons, strict=True) if why]


def require_readable(lake: Lake, rels: Iterable[str], deep: bool = False) -> None:
    """Raise CorruptLakeFile naming the first of ``rels`` that cannot be read."""
    bad = unreadable(lake, rels, deep)
    if bad:
        raise corrupt(lake, bad[0], more=len(bad) - 1)


def named_in(lake: Lake, message: str) -> str | None:
    """The lake file a reader's error ``message`` names, if it names one."""
    root = re.escape(lake.uri().removeprefix("s3://"))
    found = re.search(rf"(?:s3://)?{root}/[^'\"\s:]+\.parquet", message)
    return lake.relative(found.group(0)) if found else None


def looks_corrupt(message: str) -> bool:
    return CORRUPTION_SIGNS.search(message) is not None


def explain_read_error(
    lake: Lake, exc: BaseException, candidates: Iterable[str], check_all: bool = False
) -> CorruptLakeFile | None:
    """A CorruptLakeFile for a failed read of lake files, or None if ``exc`` is not about a
    damaged file. The file is the one the message names, else the first of ``candidates``
    (the files the read covered) that does not read whole. Unless ``check_all`` (a direct
    read of a few files, cheap to check), only a message that looks like damage is looked
    into (a dbt build that failed for another reason does not read the whole lake again)."""
    message = str(exc)
    if isinstance(exc, FileNotFoundError) or not (check_all or looks_corrupt(message)):
        return None
    rel = named_in(lake, message)
    if rel is not None:
        return corrupt(lake, Unreadable(rel, message))
    bad = unreadable(lake, candidates, deep=True)
    return corrupt(lake, bad[0], more=len(bad) - 1) if bad else None


def move_aside(lake: Lake, rel: str) -> str:
    """Move the unreadable file ``rel`` to ``quarantine/unreadable/<rel>`` (out of every
    reader's way, kept for inspection); returns where it went."""
    target = f"{QUARANTINE_ASIDE}/{rel}"
    lake.fs.makedirs(posixpath.dirname(lake.path(target)), exist_ok=True)
    lake.fs.mv(lake.path(rel), lake.path(target))
    return target


_NOISE = re.compile(
    r"Could not open Parquet input source '[^']*': |Invalid Input Error: |"
    r"\.? ?Either the file is corrupted or this is not a parquet file\.?"
)


def _first_line(text: str) -> str:
    """The reader's reason, short: its first line without the boilerplate around it."""
    line = text.strip().splitlines()[0] if text.strip() else text
    return _NOISE.sub("", line).strip()[:160]
