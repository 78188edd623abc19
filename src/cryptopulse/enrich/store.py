"""Where enrichment results live in the lake, and the incremental write of one partition.

enrich/mentions/<resolver version>/date=YYYY-MM-DD/<source>_mentions_YYYY-MM-DD[_part].parquet
enrich/sentiment/<model>-<version>/date=YYYY-MM-DD/<source>_sentiment_YYYY-MM-DD[_part].parquet

One result file per raw posts file (same day partition, same source and part), so a raw file
re-landed by a later run maps to the same result file, and the warehouse reads both with the
same window. Rows are keyed by (source, post_id) and the version in the path.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cryptopulse.lake import Lake, integrity, layout
from cryptopulse.lake.storage import READ_OPTIONS

ENRICH = layout.ENRICH
MENTIONS = "mentions"
SENTIMENT = "sentiment"
FINGERPRINT_KEY = b"cryptopulse.inputs_fingerprint"


def result_file(kind: str, version_key: str, raw_posts_file: str) -> str:
    """The result file of ``kind`` for a raw posts file (``raw/<source>/posts/date=…/…``)."""
    partition = posixpath.basename(posixpath.dirname(raw_posts_file))  # date=YYYY-MM-DD
    name = posixpath.basename(raw_posts_file)
    source = raw_posts_file.split("/")[1]
    prefix = f"{source}_posts_"
    stem = name[len(prefix) :] if name.startswith(prefix) else name
    return f"{ENRICH}/{kind}/{version_key}/{partition}/{source}_{kind}_{stem}"


def result_glob(kind: str, version_key: str) -> str:
    return layout.enrich_glob(kind, version_key)


def raw_posts_files(lake: Lake) -> list[str]:
    return lake.glob(layout.dataset_glob(layout.RAW, "posts"))


def read_columns(lake: Lake, rel: str, columns: list[str]) -> pa.Table:
    """``columns`` of the lake file ``rel``; a damaged file is named (CorruptLakeFile)."""
    try:
        with lake.fs.open(lake.path(rel), "rb") as handle:
            return pq.read_table(handle, columns=columns, **READ_OPTIONS)
    except (OSError, pa.ArrowException) as exc:
        explained = integrity.explain_read_error(lake, exc, [rel], check_all=True)
        if explained is None:
            raise
        raise explained from exc


def _read_with_fingerprint(lake: Lake, rel: str) -> tuple[pa.Table, bytes | None] | None:
    """A result file and its inputs' fingerprint; None when it cannot be read (damaged):
    results are derived from the raw posts, so a damaged one is computed again."""
    try:
        with lake.fs.open(lake.path(rel), "rb") as handle:
            table = pq.read_table(handle, **READ_OPTIONS)
    except (OSError, pa.ArrowException):
        if integrity.data_problem(lake, rel) is None:
            raise  # not the file: the storage failed
        return None
    metadata = table.schema.metadata or {}
    return table, metadata.get(FINGERPRINT_KEY)


KEY = ["source", "post_id"]


def _rows_not_in(table: pa.Table, keys: pa.Table) -> pa.Table:
    """Rows of ``table`` whose (source, post_id) is not among ``keys``."""
    if keys.num_rows == 0 or table.num_rows == 0:
        return table
    marker = keys.select(KEY).group_by(KEY).aggregate([])
    marker = marker.append_column("_hit", pa.repeat(pa.scalar(True), marker.num_rows))
    numbered = table.select(KEY).append_column(
        "_row", pa.array(np.arange(table.num_rows, dtype=np.int64))
    )
    joined = numbered.join(marker, KEY, join_type="left outer")
    rows = joined.filter(pc.is_null(joined["_hit"]))["_row"].to_numpy()
    return table.take(np.sort(rows))


def _rows_in(table: pa.Table, keys: pa.Table) -> pa.Table:
    gone = _rows_not_in(table, keys)
    return table if gone.num_rows == 0 else _rows_not_in(table, gone)


def read_keys(lake: Lake, rel: str) -> tuple[pa.Table, bytes | None] | None:
    """The (source, post_id) columns of the lake file ``rel`` and its inputs' fingerprint;
    None when it is missing or cannot be read (the full path decides what that means)."""
    try:
        if lake.is_s3:
            with lake.fs.open(lake.path(rel), "rb") as handle:
                return _keys_of(pq.ParquetFile(handle, **READ_OPTIONS))
        # A local path is read by Arrow's own file system, off the GIL (threads overlap).
        return _keys_of(pq.ParquetFile(lake.path(rel), **READ_OPTIONS))
    except (OSError, pa.ArrowException, KeyError):
        return None


def _keys_of(parquet: pq.ParquetFile) -> tuple[pa.Table, bytes | None]:
    metadata = parquet.schema_arrow.metadata or {}
    return parquet.read(columns=KEY), metadata.get(FINGERPRINT_KEY)


def _distinct_keys(keys: pa.Table) -> pa.Table:
    """The distinct (source, post_id) of ``keys`` in ascending order. Results are written
    sorted (and the demo's posts are), so the usual case is a cheap neighbour comparison."""
    source, post_id = (keys[name].combine_chunks() for name in KEY)
    if len(source) < 2:
        return pa.table([source, post_id], names=KEY)
    s0, s1 = source[:-1], source[1:]
    p0, p1 = post_id[:-1], post_id[1:]
    same_source = pc.equal(s0, s1)
    in_order = pc.or_(pc.less(s0, s1), pc.and_(same_source, pc.less_equal(p0, p1)))
    if not pc.all(in_order).as_py():
        ordered = keys.group_by(KEY).aggregate([])
        return ordered.sort_by([(name, "ascending") for name in KEY]).select(KEY)
    first = pc.invert(pc.and_(same_source, pc.equal(p0, p1)))
    keep = pa.concat_arrays([pa.array([True]), first])
    return pa.table([source.filter(keep), post_id.filter(keep)], names=KEY)


def is_up_to_date(lake: Lake, rel: str, post_keys: pa.Table, fingerprint: str = "") -> bool:
    """Whether result file ``rel`` holds exactly the posts of ``post_keys`` (their distinct
    (source, post_id), from the same inputs as ``fingerprint`` says): what
    ``update_partition`` would leave as it is. Reads only the key columns and the footer, so
    a rerun over files already enriched costs a fraction of computing them."""
    found = read_keys(lake, rel)
    if found is None:
        return False
    keys, old_fingerprint = found
    if old_fingerprint != fingerprint.encode() or keys.num_rows < post_keys.num_rows:
        return False
    if any(keys[name].null_count for name in KEY):  # a null key never matches in the join
        return False
    return _distinct_keys(keys).equals(post_keys)


def distinct_post_keys(lake: Lake, rel: str) -> tuple[pa.Table, int] | None:
    """The distinct (source, post_id) of raw posts file ``rel`` and its row count; None
    when they cannot be read or hold a null key (the full path handles those)."""
    found = read_keys(lake, rel)
    if found is None:
        return None
    keys, _ = found
    if any(keys[name].null_count for name in KEY):
        return None
    return _distinct_keys(keys), keys.num_rows


def update_partition(
    lake: Lake,
    rel: str,
    posts: pa.Table,
    compute: Callable[[pa.Table], pa.Table],
    fingerprint: str = "",
) -> tuple[int, int]:
    """Bring result file ``rel`` up to date with ``posts``; returns (posts computed, kept).

    Posts that already have results in ``rel`` (computed from the same inputs, as
    ``fingerprint`` says) are not computed again; results of posts no longer in ``posts``
    are dropped. ``compute`` must return at least one row per post it is given, so a post
    is known to be done. The file is rewritten atomically, and only when something changed.
    """
    kept: pa.Table | None = None
    existing = _read_with_fingerprint(lake, rel) if lake.exists(rel) else None
    if existing is not None:
        table, old_fingerprint = existing
        if old_fingerprint == fingerprint.encode():
            kept = _rows_in(table.replace_schema_metadata(None), posts)
            todo = _rows_not_in(posts, kept)
            if todo.num_rows == 0 and kept.num_rows == table.num_rows:
                return 0, kept.num_rows
    if kept is None:
        todo = posts
    computed = compute(todo)
    result = computed if kept is None else pa.concat_tables([kept.cast(computed.schema), computed])
    result = result.sort_by([("source", "ascending"), ("post_id", "ascending")])
    result = result.replace_schema_metadata({FINGERPRINT_KEY: fingerprint.encode()})
    lake.write_parquet(rel, result)
    return todo.num_rows, 0 if kept is None else kept.num_rows
