"""Cutting a stream of records into chunks at positions that depend only on the file.

A reader yields ``Piece``s as it reads (a block of lines, a CSV block, a Parquet batch):
the posts it could read, how many source bytes each took, and the records it could not
read with their position in the file. ``chunked`` regroups them into chunks of at most
``max_rows`` records or ``max_bytes`` source bytes, cut at the same records whatever the
readers' block sizes, so re-importing a file (or the same file grown at its end) gives the
same chunks, and the same lake files, again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cryptopulse.core.batch import Reject

DEFAULT_CHUNK_ROWS = 50_000
# The source bytes one chunk may hold: long snscrape lines (a tweet quoting another, with
# both users) would otherwise make a 50k-record chunk a few hundred MB in memory.
DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Piece:
    """What a reader read in one go."""

    records: pa.Table  # posts columns, loosely typed
    row_bytes: np.ndarray  # source bytes of each record (for the chunk byte budget)
    # Unreadable records, each with the number of readable records before it in the file.
    rejects: tuple[tuple[int, Reject], ...] = ()
    bytes_read: int = 0  # how far into the (compressed) file reading got


@dataclass(frozen=True)
class Chunk:
    """Records the import lands together, numbered from 1 in file order."""

    number: int
    records: pa.Table
    rejects: tuple[Reject, ...]
    bytes_read: int

    @property
    def rows_read(self) -> int:
        return self.records.num_rows + len(self.rejects)


@dataclass
class _Pending:
    tables: list[pa.Table] = field(default_factory=list)
    rows: int = 0
    nbytes: int = 0


def chunked(
    pieces: Iterable[Piece],
    max_rows: int = DEFAULT_CHUNK_ROWS,
    max_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Iterator[Chunk]:
    """Regroup ``pieces`` into chunks; rejects go with the chunk their position falls in."""
    if max_rows < 1:
        raise ValueError(f"chunk size must be at least 1 record (got {max_rows})")
    pending = _Pending()
    rejects: list[tuple[int, Reject]] = []
    emitted = 0  # readable records already in earlier chunks
    number = 0
    bytes_read = 0
    schema: pa.Schema | None = None

    def cut(last: bool = False) -> Chunk:
        nonlocal pending, emitted, number, rejects
        number += 1
        end = emitted + pending.rows
        mine = [r for pos, r in rejects if pos < end or last]
        rejects = [(pos, r) for pos, r in rejects if pos >= end and not last]
        tables = pending.tables or [_empty(schema)]
        table = _concat(tables)
        emitted = end
        pending = _Pending()
        return Chunk(number, table, tuple(mine), bytes_read)

    for piece in pieces:
        bytes_read = piece.bytes_read
        schema = schema or piece.records.schema
        rejects.extend(piece.rejects)
        table, sizes = piece.records, np.asarray(piece.row_bytes, dtype=np.int64)
        start = 0
        while start < table.num_rows:
            room = max_rows - pending.rows
            over = np.cumsum(sizes[start : start + room]) + pending.nbytes >= max_bytes
            take = int(np.argmax(over)) + 1 if over.any() else min(room, len(sizes) - start)
            pending.tables.append(table.slice(start, take))
            pending.rows += take
            pending.nbytes += int(sizes[start : start + take].sum())
            start += take
            if pending.rows >= max_rows or pending.nbytes >= max_bytes:
                yield cut()
    if pending.rows or rejects:
        yield cut(last=True)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One table; a column typed differently by two pieces (numbers in one, text in the
    other) becomes text: conforming decides what is valid."""
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        names = tables[0].column_names
        mixed = {n for n in names if len({str(t.schema.field(n).type) for t in tables}) > 1}
        as_text = [
            t.cast(
                pa.schema(
                    [pa.field(n, pa.string()) if n in mixed else t.schema.field(n) for n in names]
                )
            )
            for t in tables
        ]
        return pa.concat_tables(as_text, promote_options="permissive")


def _empty(schema: pa.Schema | None) -> pa.Table:
    return (schema or pa.schema([])).empty_table()
