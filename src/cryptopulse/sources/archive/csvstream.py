"""Reading a CSV file with pyarrow: every value as text, unreadable rows kept for quarantine.

Values may span lines (quoted text with line breaks). ``csvrecords`` cuts the stream into
runs of whole records first, so a row of any length costs only itself: a row over the size
bound, a row with the wrong number of fields, or with bytes that are not UTF-8, is not
read as a post: it comes out as a ``Reject`` with its text and its row number (the header
is row 1; a row number equals the line number as long as no earlier value spans lines).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

from cryptopulse.core.batch import Reject
from cryptopulse.sources.archive.csvrecords import RecordRun, TooLong, csv_records
from cryptopulse.sources.archive.errors import ArchiveError, printable
from cryptopulse.sources.archive.formats import InputFile
from cryptopulse.sources.archive.limits import MAX_RECORD_BYTES, too_long_reason

# (rows read as text, unreadable rows with the number of readable rows before each, bytes)
CsvBatch = tuple[pa.Table, list[tuple[int, Reject]], int]


def csv_batches(file: InputFile, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[CsvBatch]:
    """The rows of ``file`` as text columns named by its header, a run of records at a time."""
    header = list(file.header)
    twice = [name for name, n in Counter(header).items() if n > 1]
    if twice:
        raise ArchiveError(
            f"{file.path}: the CSV header names column {printable(twice[0])!r} twice"
        )
    raw, stream = file.open()
    try:
        valid = 0  # rows handed out so far
        for item in csv_records(raw, stream, max_record_bytes):
            if isinstance(item, TooLong):
                text = item.head.decode("utf-8", errors="backslashreplace") + "…"
                reason = too_long_reason("row", item.row, max_record_bytes)
                yield _empty_text(header), [(valid, Reject(text, reason))], item.bytes_read
                continue
            table, rejects = _parse_run(item, header)
            yield table, [(valid + before, r) for before, r in rejects], item.bytes_read
            valid += table.num_rows
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(
            f"cannot read {file.path} as CSV past byte {raw.tell():,} of {file.size:,}: "
            f"{printable(str(exc), 200)} (the chunks before that point are landed; fix the "
            "file and import it again)"
        ) from None
    finally:
        stream.close()
        raw.close()


def _parse_run(run: RecordRun, header: list[str]) -> tuple[pa.Table, list[tuple[int, Reject]]]:
    """A run's rows as text; its unreadable rows, each with the readable rows before it.

    Records that are not UTF-8 are taken out first: pyarrow cannot hand such a row to its
    invalid-row handler (it fails decoding the row's text, and prints that)."""
    bad = [] if _is_utf8(run.data) else [i for i in range(len(run)) if not _is_utf8(run.record(i))]
    parts: list[tuple[pa.Table, list[tuple[int, Reject]]]] = []
    first = 0
    for i in [*bad, len(run)]:
        if i > first:
            parts.append(_parse_bulk(run.slice(first, i), header))
        if i < len(run):
            text = run.record(i).rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
            reason = f"invalid UTF-8: row {int(run.rows[i])}: a value is not UTF-8 text"
            parts.append((_empty_text(header), [(0, Reject(text, reason))]))
        first = i + 1
    return _joined(parts, header)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _joined(
    parts: list[tuple[pa.Table, list[tuple[int, Reject]]]], header: list[str]
) -> tuple[pa.Table, list[tuple[int, Reject]]]:
    """Consecutive parts of a run as one: the tables concatenated, the rejects' positions
    counted from the run's start."""
    if len(parts) == 1:
        return parts[0]
    tables: list[pa.Table] = []
    rejects: list[tuple[int, Reject]] = []
    valid = 0
    for table, bad in parts:
        rejects.extend((valid + before, r) for before, r in bad)
        tables.append(table)
        valid += table.num_rows
    return (pa.concat_tables(tables) if tables else _empty_text(header)), rejects


def _parse_bulk(run: RecordRun, header: list[str]) -> tuple[pa.Table, list[tuple[int, Reject]]]:
    try:
        return _parse(run.data, run.first_row, header)
    except pa.ArrowInvalid:  # pyarrow cut the run elsewhere than its quotes say: row by row
        pass
    parts: list[tuple[pa.Table, list[tuple[int, Reject]]]] = []
    for i, number in enumerate(run.rows.tolist()):
        data = run.record(i)
        if not data.strip():
            continue
        try:
            parts.append(_parse(data, number, header))
        except pa.ArrowInvalid as exc:
            text = data.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
            message = printable(str(exc).removeprefix("CSV parse error: "), 200)
            reject = Reject(text, f"unreadable CSV: row {number}: {message}")
            parts.append((_empty_text(header), [(0, reject)]))
    return _joined(parts, header) if parts else (_empty_text(header), [])


def _parse(
    data: bytes, first_row: int, header: list[str]
) -> tuple[pa.Table, list[tuple[int, Reject]]]:
    """Rows as text and the unreadable ones; raises pyarrow's error for a broken quote."""
    invalid: list[tuple[int | None, Reject]] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        number = None if row.number is None else row.number + first_row - 1
        where = f"row {number}" if number is not None else "a row"
        reason = (
            f"wrong number of fields: {where}: expected {row.expected_columns} fields, "
            f"got {row.actual_columns}"
        )
        invalid.append((number, Reject(row.text, reason)))
        return "skip"

    good = _as_text(_read(data, header, invalid_row))
    rejects = []
    for done, (number, reject) in enumerate(invalid):
        before = good.num_rows if number is None else number - first_row - done
        rejects.append((min(max(before, 0), good.num_rows), reject))
    return good, sorted(rejects, key=lambda item: item[0])


def _read(
    data: bytes, header: list[str], invalid_row: Callable[[pacsv.InvalidRow], str]
) -> pa.Table:
    return pacsv.read_csv(
        pa.BufferReader(data),
        # One thread, one block: rows and their numbers come in file order.
        read_options=pacsv.ReadOptions(
            column_names=header, use_threads=False, block_size=max(len(data) + 1, 1 << 16)
        ),
        parse_options=pacsv.ParseOptions(
            newlines_in_values=True,
            invalid_row_handler=invalid_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.binary() for name in header},
            # an empty field is a missing value (only that: a text "null" or "NaN" is text)
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _as_text(table: pa.Table) -> pa.Table:
    """Binary columns as UTF-8 text (the run was checked to be UTF-8)."""
    return table.cast(pa.schema([(n, pa.string()) for n in table.column_names]))


def _empty_text(header: list[str]) -> pa.Table:
    return pa.schema([(name, pa.string()) for name in header]).empty_table()
