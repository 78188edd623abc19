"""Streaming a CSV file with pyarrow: every value as text, unreadable rows kept for quarantine.

Values may span lines (quoted text with line breaks). A row with the wrong number of
fields, or with bytes that are not UTF-8, is not read as a post: it comes out as a
``Reject`` with its text and its row number (the header is row 1; a row number equals
the line number as long as no earlier value spans lines).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cryptopulse.core.batch import Reject
from cryptopulse.sources.archive.errors import ArchiveError
from cryptopulse.sources.archive.formats import InputFile

BLOCK_BYTES = 4 * 1024 * 1024
# (rows read as text, unreadable rows with the number of readable rows before each, bytes)
CsvBatch = tuple[pa.Table, list[tuple[int, Reject]], int]


def csv_batches(file: InputFile) -> Iterator[CsvBatch]:
    """The rows of ``file`` as text columns named by its header, a block at a time."""
    header = list(file.header)
    twice = [name for name, n in Counter(header).items() if n > 1]
    if twice:
        raise ArchiveError(f"{file.path}: the CSV header names column {twice[0]!r} twice")
    pending: list[tuple[int | None, Reject]] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        where = f"row {row.number}" if row.number is not None else "a row"
        reason = (
            f"wrong number of fields: {where}: expected {row.expected_columns} fields, "
            f"got {row.actual_columns}"
        )
        pending.append((row.number, Reject(row.text, reason)))
        return "skip"

    raw, stream = file.open()
    try:
        reader = pacsv.open_csv(
            stream,
            # One thread: rows and their numbers come in file order, so chunks are stable.
            read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.binary() for name in header},
                # an empty field is a missing value (only that: a text "null" or "NaN" is text)
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        valid = 0  # rows handed out so far
        unreadable = 0  # rows turned into rejects so far
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            rejects: list[tuple[int, Reject]] = []
            first_row = valid + unreadable + 2  # the row number of the block's first row
            skipped = sorted(n for n, _ in pending if n is not None)
            for number, reject in pending:
                # header = row 1; rows before it, minus those that were not readable
                before = valid if number is None else max(valid, number - 2 - unreadable)
                rejects.append((before, reject))
                unreadable += 1
            pending.clear()
            table, bad = _as_text(pa.Table.from_batches([batch]), first_row, skipped)
            for index, reject in bad:
                rejects.append((valid + index, reject))
            unreadable += len(bad)
            valid += table.num_rows
            yield table, sorted(rejects, key=lambda item: item[0]), raw.tell()
        if pending:  # invalid rows after the last block
            rejects = [(valid, reject) for _, reject in pending]
            yield _empty_text(header), rejects, raw.tell()
    except (pa.ArrowInvalid, OSError) as exc:
        raise ArchiveError(f"cannot read {file.path} as CSV: {exc}") from None
    finally:
        stream.close()
        raw.close()


def _as_text(
    table: pa.Table, first_row: int, skipped: list[int]
) -> tuple[pa.Table, list[tuple[int, Reject]]]:
    """Binary columns as UTF-8 text; rows with invalid UTF-8 become rejects (``skipped``:
    the numbers of the unreadable rows among the block's, to number the rest)."""
    try:
        return table.cast(pa.schema([(n, pa.string()) for n in table.column_names])), []
    except pa.ArrowInvalid:
        pass
    ok = [True] * table.num_rows
    for column in table.columns:
        for i, value in enumerate(column.to_pylist()):
            if value is not None and ok[i]:
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    ok[i] = False
    mask = pa.array(ok)
    bad_rows = table.filter(pc.invert(mask)).to_pylist()
    bad_index = [i for i, good in enumerate(ok) if not good]
    rejects = []
    for before, (index, row) in enumerate(zip(bad_index, bad_rows, strict=True)):
        text = ",".join((v or b"").decode("utf-8", errors="backslashreplace") for v in row.values())
        number = first_row + index
        for other in skipped:
            number += other <= number
        reason = f"invalid UTF-8: row {number}: a value is not UTF-8 text"
        rejects.append((index - before, Reject(text, reason)))
    good = table.filter(mask)
    return good.cast(pa.schema([(n, pa.string()) for n in good.column_names])), rejects


def _empty_text(header: list[str]) -> pa.Table:
    return pa.schema([(name, pa.string()) for name in header]).empty_table()
