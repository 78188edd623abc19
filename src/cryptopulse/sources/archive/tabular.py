"""Tables of posts (CSV, Parquet, the Kaggle dataset): file columns mapped to posts columns.

A mapping names, for each posts column, the file column it comes from: same-named columns
map by default, ``id`` maps to ``post_id``, and ``--map created_at=timestamp`` says the
rest. A file without an id column gets a stable derived id (a hash of author, timestamp
and text as written in the file), so importing the file again gives the same ids. A
timestamp given as a number is read as seconds (or milliseconds) since 1970, UTC.
The ``raw`` column keeps every column of the row, as JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cryptopulse.core.batch import Reject
from cryptopulse.sources.archive.chunks import Piece
from cryptopulse.sources.archive.csvstream import csv_batches
from cryptopulse.sources.archive.errors import ArchiveError, printable
from cryptopulse.sources.archive.formats import InputFile
from cryptopulse.sources.archive.limits import MAX_RECORD_BYTES, too_long_reason
from cryptopulse.sources.archive.lines import TOO_LONG_HEAD
from cryptopulse.sources.social import POST_COLUMNS, raw_json

# Posts columns a file column can fill (the source comes from --platform, raw is the row).
MAPPABLE: tuple[str, ...] = tuple(c for c in POST_COLUMNS if c not in ("source", "raw"))
REQUIRED: tuple[str, ...] = ("created_at", "text")
ALIASES: dict[str, tuple[str, ...]] = {"post_id": ("id",)}
# The Kaggle "Bitcoin Tweets" dataset: no id, no counts; its "source" column is the
# client app (Twitter for iPhone), not ours, and stays in raw.
KAGGLE_MAPPING: dict[str, str] = {"author": "user_name", "created_at": "date", "text": "text"}
PARQUET_BATCH_ROWS = 8_192
_EPOCH = re.compile(r"^\s*\d{9,}(\.\d+)?\s*$")


def resolve_mapping(
    pairs: Sequence[str], columns: Sequence[str], file: str, defaults: bool = True
) -> dict[str, str]:
    """posts column -> file column, from ``--map`` pairs plus same-named columns."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        posts_column, sep, file_column = pair.partition("=")
        posts_column, file_column = posts_column.strip(), file_column.strip()
        if not sep or not posts_column or not file_column:
            raise ArchiveError(
                f"--map {pair!r}: expected posts_column=file_column, e.g. --map text=body"
            )
        if posts_column == "source":
            raise ArchiveError("--map source=…: the source is set with --platform NAME")
        if posts_column not in MAPPABLE:
            raise ArchiveError(
                f"--map {pair!r}: {posts_column!r} is not a posts column; accepted: "
                f"{', '.join(MAPPABLE)}"
            )
        if posts_column in mapping:
            raise ArchiveError(f"--map: {posts_column!r} is mapped twice")
        if file_column not in columns:
            raise ArchiveError(
                f"--map {pair!r}: {file} has no column {file_column!r}; its columns: "
                f"{_listing(columns)}"
            )
        mapping[posts_column] = file_column
    if defaults:
        for posts_column in MAPPABLE:
            if posts_column in mapping:
                continue
            for candidate in (posts_column, *ALIASES.get(posts_column, ())):
                if candidate in columns:
                    mapping[posts_column] = candidate
                    break
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        hint = " ".join(f"--map {c}=COLUMN" for c in missing)
        raise ArchiveError(
            f"{file} has no {' or '.join(repr(c) for c in missing)} column: say which "
            f"{'column holds it' if len(missing) == 1 else 'columns hold them'} with {hint} "
            f"(its columns: {_listing(columns)})"
        )
    return mapping


def _listing(columns: Sequence[str]) -> str:
    shown = ", ".join(columns[:20])
    return shown + (f", … ({len(columns)} in all)" if len(columns) > 20 else "")


def read_tabular(
    file: InputFile,
    mapping: Mapping[str, str],
    source: str,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Piece]:
    """The posts of a CSV or Parquet file, one block at a time."""
    if file.format == "parquet":
        for table, first_row, rejects, bytes_read in _parquet_batches(file):
            posts, sizes = to_posts(table, mapping, source)
            posts, sizes, oversize = _bounded(posts, sizes, first_row, max_record_bytes)
            yield Piece(posts, sizes, (*oversize, *rejects), bytes_read)
        return
    for table, unreadable, bytes_read in csv_batches(file, max_record_bytes):
        posts, sizes = to_posts(table, mapping, source)
        yield Piece(posts, sizes, tuple(unreadable), bytes_read)


def parquet_columns(file: InputFile) -> list[str]:
    try:
        return list(pq.ParquetFile(str(file.path)).schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveError(
            f"cannot read {file.path} as Parquet: {printable(str(exc), 200)}"
        ) from None


# (rows, number of the first row in the file, unreadable rows, bytes read)
_ParquetBatch = tuple[pa.Table, int, tuple[tuple[int, Reject], ...], int]


def _parquet_batches(file: InputFile) -> Iterator[_ParquetBatch]:
    """The file's rows a batch at a time; a row group that cannot be read costs its own
    rows only (quarantined, one reject per row, since its values are not known)."""
    try:
        parquet = pq.ParquetFile(str(file.path))
        groups = [parquet.metadata.row_group(k).num_rows for k in range(parquet.num_row_groups)]
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveError(
            f"cannot read {file.path} as Parquet: {printable(str(exc), 200)}"
        ) from None
    total = max(sum(groups), 1)
    done = 0  # rows of the file read (or given up) so far
    for k, rows in enumerate(groups):
        group_end = done + rows
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[k]):
                table = pa.Table.from_batches([batch])
                done += batch.num_rows
                yield table, done - batch.num_rows + 1, (), int(file.size * min(done / total, 1))
        except (pa.ArrowException, OSError) as exc:
            message = printable(str(exc), 200)
            reason = (
                f"unreadable Parquet: rows {done + 1}-{group_end} (row group {k + 1}): {message}"
            )
            rejects = tuple(
                (0, Reject(f"row {n} of {file.path.name}", reason))
                for n in range(done + 1, group_end + 1)
            )
            done = group_end
            yield (
                parquet.schema_arrow.empty_table(),
                done + 1,
                rejects,
                int(file.size * min(done / total, 1)),
            )


def _bounded(
    posts: pa.Table, sizes: np.ndarray, first_row: int, max_bytes: int
) -> tuple[pa.Table, np.ndarray, tuple[tuple[int, Reject], ...]]:
    """Rows whose values together exceed the record size bound, taken out as rejects."""
    over = sizes > max_bytes
    if not over.any():
        return posts, sizes, ()
    rejects = []
    raw = posts.column("raw")
    for before, index in enumerate(np.flatnonzero(over).tolist()):
        head = str(raw[index].as_py())[:TOO_LONG_HEAD] + "…"
        reason = too_long_reason("row", first_row + index, max_bytes)
        rejects.append((index - before, Reject(head, reason)))
    return posts.filter(pa.array(~over)), sizes[~over], tuple(rejects)


def to_posts(
    table: pa.Table, mapping: Mapping[str, str], source: str
) -> tuple[pa.Table, np.ndarray]:
    """Rows of a file as posts columns (loosely typed), and each row's size in bytes."""
    n = table.num_rows
    rows = table.to_pylist()
    raw = pa.array([raw_json(row) for row in rows], pa.string())
    columns: dict[str, pa.Array] = {"source": pa.array([source] * n, pa.string())}
    for name in POST_COLUMNS:
        if name in ("source", "raw"):
            continue
        if name in mapping:
            column = _scalar_values(table.column(mapping[name]).combine_chunks())
            columns[name] = _epoch_to_iso(column) if name == "created_at" else column
        else:
            columns[name] = pa.nulls(n)
    if "post_id" not in mapping:
        columns["post_id"] = derived_ids(
            [
                _scalar_values(table.column(mapping[c]).combine_chunks())
                if c in mapping
                else pa.nulls(n)
                for c in _ID_INPUTS
            ]
        )
    columns["raw"] = raw
    sizes = pc.binary_length(raw).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    return pa.table(columns), sizes


_ID_INPUTS = ("author", "created_at", "text")


def _scalar_values(column: pa.Array) -> pa.Array:
    """A Parquet column of lists, structs or maps as JSON text, as ``raw`` writes them: the
    lake then lands or quarantines each value with a reason (a list of likes is no count)
    instead of the whole import failing on a cast."""
    if not pa.types.is_nested(column.type):
        return column
    return pa.array(
        [
            None if v is None else json.dumps(v, ensure_ascii=False, default=str)
            for v in column.to_pylist()
        ],
        pa.string(),
    )


def derived_ids(columns: Sequence[pa.Array | pa.ChunkedArray]) -> pa.Array:
    """A stable id per row from its author, timestamp and text as written in the file:
    ``sha256-`` and 24 hex digits (96 bits) of a hash over them."""
    # as bytes: a binary column that is not UTF-8 still gives an id (the lake then says
    # what is wrong with the value); text hashes as its UTF-8, as it always has
    values = [_as_bytes(c) for c in columns]
    ids = []
    for row in zip(*values, strict=True):
        key = b"\x1f".join(b"" if v is None else v for v in row)
        ids.append("sha256-" + hashlib.sha256(key).hexdigest()[:24])
    return pa.array(ids, pa.string())


def _as_bytes(column: pa.Array | pa.ChunkedArray) -> list[bytes | None]:
    if not (pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type)):
        column = pc.cast(pc.cast(column, pa.string()), pa.binary())
    return list(column.to_pylist())
    return pa.binary()


def _epoch_to_iso(column: pa.Array) -> pa.Array:
    """Timestamps given as numbers (seconds, or milliseconds when larger) as ISO text."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.to_pylist()
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        if not pc.any(pc.match_substring_regex(column, _EPOCH.pattern)).as_py():
            return column
        values = column.to_pylist()
    else:
        return column
    out: list[str | None] = []
    for value in values:
        if isinstance(value, str) and not _EPOCH.match(value):
            out.append(value)  # not a number: left for the lake to parse or quarantine
            continue
        if value is None:
            out.append(None)
            continue
        try:
            seconds = float(value)
            seconds = seconds / 1000 if seconds >= 1e11 else seconds
            out.append(datetime.fromtimestamp(seconds, UTC).isoformat())
        except (ValueError, OverflowError, OSError):
            out.append(str(value))
    return pa.array(out, pa.string())
