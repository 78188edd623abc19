"""Cutting a CSV byte stream into runs of whole records of bounded size, before parsing.

pyarrow's streaming CSV reader needs each row inside one read block: one row longer than
the block (a 50 MB value) stops the whole file ("straddling object straddles two block
boundaries"). Cutting the stream at record ends here — a line break with an even number of
quote characters before it in the record, as RFC 4180 quoting gives — lets pyarrow parse
runs of whole records of any length, and lets a record over the size bound be skipped in
constant memory and reported with its first bytes (a quote never closed makes the rest of
the file one record: it is reported the same way).

Rows are numbered as pyarrow numbers them: the header is row 1, empty lines are not rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

RUN_BYTES = 4 * 1024 * 1024
TOO_LONG_HEAD = 1_000
_QUOTE, _LF, _CR = 34, 10, 13


@dataclass(frozen=True)
class RecordRun:
    """Whole records, each with its line break; record i is ``data[starts[i]:ends[i]]``
    and is row ``rows[i]`` (empty lines included, with the next row's number)."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    rows: np.ndarray
    bytes_read: int  # how far into the (compressed) file reading got

    @property
    def first_row(self) -> int:
        return int(self.rows[0])

    def __len__(self) -> int:
        return len(self.starts)

    def record(self, i: int) -> bytes:
        """Record ``i`` with its line break."""
        return self.data[int(self.starts[i]) : int(self.ends[i]) + 1]

    def slice(self, first: int, stop: int) -> RecordRun:
        """Records ``first`` to ``stop - 1`` as a run of their own."""
        lo, hi = int(self.starts[first]), int(self.ends[stop - 1]) + 1
        return RecordRun(
            self.data[lo:hi],
            self.starts[first:stop] - lo,
            self.ends[first:stop] - lo,
            self.rows[first:stop],
            self.bytes_read,
        )


@dataclass(frozen=True)
class TooLong:
    """A record over the size bound: its row number and first bytes (the rest skipped)."""

    row: int
    head: bytes
    bytes_read: int


def csv_records(
    raw: pa.NativeFile,
    stream: pa.NativeFile,
    max_record_bytes: int,
    run_bytes: int = RUN_BYTES,
) -> Iterator[RecordRun | TooLong]:
    """The records after the header, in file order; ``raw.tell()`` gives the progress."""
    row = 1  # the number of the next non-empty record (the header is row 1)
    header = True  # the first non-empty record is the header: not handed out
    pending: list[bytes] = []  # the start of a record not ended yet
    size = 0  # bytes in ``pending``
    odd = False  # whether ``pending`` has an open quote
    skipping: bytes | None = None  # the head of an overlong record being skipped
    keep = min(TOO_LONG_HEAD, max_record_bytes)  # of an overlong record, whatever the reads
    while data := stream.read(run_bytes):
        # Only the new bytes are scanned, with the quote state carried over: a long record
        # costs one pass, and memory holds at most the bound plus a block.
        ends = _record_ends(data, odd)
        if not len(ends):
            odd = odd != (data.count(b'"') % 2 == 1)
            if skipping is None:
                pending.append(data)
                size += len(data)
                if size > max_record_bytes:
                    skipping, pending, size = b"".join(pending)[:keep], [], 0
            continue
        if skipping is not None:  # the overlong record ends in this block
            yield TooLong(row, skipping, raw.tell())
            row, skipping = row + 1, None
            data, ends = data[int(ends[0]) + 1 :], ends[1:] - int(ends[0]) - 1
        buffer = b"".join([*pending, data]) if pending else data
        ends = ends + size
        complete = int(ends[-1]) + 1 if len(ends) else 0
        items, next_row = _split(buffer, ends, row, header, max_record_bytes, raw.tell())
        yield from items
        row, header = next_row, header and next_row == row
        rest = buffer[complete:]
        pending, size, odd = ([rest] if rest else []), len(rest), rest.count(b'"') % 2 == 1
        if size > max_record_bytes:
            skipping, pending, size = rest[:keep], [], 0
    if skipping is not None:
        yield TooLong(row, skipping, raw.tell())
    elif pending:
        rest = b"".join(pending)
        ends = np.array([len(rest)], np.int64)
        yield from _split(rest + b"\n", ends, row, header, max_record_bytes, raw.tell())[0]


def _record_ends(buffer: bytes, odd: bool = False) -> np.ndarray:
    """Offsets of the line breaks that end a record (outside quotes): a LF, or a CR not
    followed by a LF."""
    view = np.frombuffer(buffer, np.uint8)
    # a running count of quotes modulo 256 keeps its parity (and needs a byte per byte)
    even = (np.cumsum(view == _QUOTE, dtype=np.uint8) & 1) == (1 if odd else 0)
    breaks = view == _LF
    lone_cr = view == _CR
    lone_cr[:-1] &= view[1:] != _LF
    return np.flatnonzero((breaks | lone_cr) & even).astype(np.int64)


def _split(
    buffer: bytes, ends: np.ndarray, row: int, header: bool, max_bytes: int, bytes_read: int
) -> tuple[list[RecordRun | TooLong], int]:
    """The complete records of ``buffer`` (ending at ``ends``) as runs and overlong
    records, in order, and the number of the row after them."""
    if not len(ends):
        return [], row
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    view = np.frombuffer(buffer, np.uint8)
    lengths = ends - starts
    ends_in_cr = (lengths > 0) & (view[np.maximum(ends - 1, 0)] == _CR)
    nonempty = (lengths - ends_in_cr) > 0
    rows = row + np.cumsum(nonempty) - nonempty
    apart = nonempty & (lengths > max_bytes)  # records not handed to the parser
    header_at = int(np.argmax(nonempty)) if header and nonempty.any() else -1
    if header_at >= 0:
        apart[header_at] = True
    items: list[RecordRun | TooLong] = []
    first = 0
    for i in [*np.flatnonzero(apart).tolist(), len(ends)]:
        if i > first and nonempty[first:i].any():
            items.append(RecordRun(buffer, starts, ends, rows, bytes_read).slice(first, i))
        if i < len(ends) and i != header_at:
            head = buffer[starts[i] : starts[i] + min(TOO_LONG_HEAD, max_bytes)]
            items.append(TooLong(int(rows[i]), head, bytes_read))
        first = i + 1
    return items, row + int(nonempty.sum())
