"""Reading a (decompressed) stream as blocks of complete lines, in constant memory.

A block is one buffer with the start and end offset of each line in it, so a reader can
parse each line from a zero-copy view and build the ``raw`` column from the buffer itself,
without a Python object per line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cryptopulse.sources.archive.limits import MAX_RECORD_BYTES

BLOCK_BYTES = 8 * 1024 * 1024
# A "line" longer than the bound is not a record (a file with no line breaks, a binary
# blob): it is reported with its first bytes and skipped, never held whole in memory.
MAX_LINE_BYTES = MAX_RECORD_BYTES
TOO_LONG_HEAD = 1_000


@dataclass(frozen=True)
class LineBlock:
    """Complete lines: line i is ``data[starts[i]:ends[i]]`` (no line break), numbered
    ``first_number + i`` in the file (1-based, every line counted)."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    stop: int  # just past the last line break: the lines and their breaks are data[:stop]
    first_number: int
    bytes_read: int  # how far into the (compressed) file reading got
    # Overlong lines met in this block: (line number, first bytes); they are not in ``data``.
    too_long: list[tuple[int, bytes]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)


def line_blocks(
    raw: pa.NativeFile,
    stream: pa.NativeFile,
    block_bytes: int = BLOCK_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[LineBlock]:
    """The stream's lines, a block at a time; ``raw.tell()`` gives the progress."""
    rest = b""
    number = 1  # of the next line
    skipping: bytes | None = None  # the head of an overlong line being skipped
    while True:
        data = stream.read(block_bytes)
        if not data:
            break
        too_long: list[tuple[int, bytes]] = []
        if skipping is not None:
            newline = data.find(b"\n")
            if newline < 0:
                continue
            too_long.append((number, skipping))
            number += 1
            skipping = None
            data = data[newline + 1 :]
        buffer = rest + data if rest else data
        breaks = np.flatnonzero(np.frombuffer(buffer, np.uint8) == 10)
        if len(breaks):
            complete = int(breaks[-1]) + 1
            rest = buffer[complete:]
        else:
            complete, rest = 0, buffer
        yield _block(buffer, breaks, number, raw.tell(), too_long)
        number += len(breaks)
        if len(rest) > max_line_bytes:
            skipping, rest = rest[:TOO_LONG_HEAD], b""
    if skipping is not None:
        yield _block(b"", np.empty(0, np.int64), number + 1, raw.tell(), [(number, skipping)])
    elif rest:
        yield _block(rest + b"\n", np.array([len(rest)]), number, raw.tell(), [])


def _block(
    buffer: bytes, breaks: np.ndarray, number: int, bytes_read: int, too_long: list
) -> LineBlock:
    ends = breaks.astype(np.int64)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64) if len(ends) else ends
    if len(ends):  # a Windows line break: the \r is not part of the line
        view = np.frombuffer(buffer, np.uint8)
        carriage = (ends > starts) & (view[np.maximum(ends - 1, 0)] == 13)
        ends = ends - carriage
    stop = int(breaks[-1]) + 1 if len(breaks) else 0
    return LineBlock(buffer, starts, ends, stop, number, bytes_read, too_long)
