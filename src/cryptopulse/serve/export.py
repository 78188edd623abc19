"""Write the warehouse's dims, facts and aggregates back to the lake as ``marts/``.

Like the original project's last step (tables back to S3), with Parquet for every table
and CSV as well for the monthly aggregate, which the original shipped as CSV. Every table is
at ``marts/<table>.parquet``; for the large, growing tables (``PARTITIONED``) that is a folder
of one file per calendar month, which Parquet readers take as one table (``read_mart``), and
a run with a window rewrites only the months it can have changed, so a daily export costs a
month of rows, not the whole history.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cryptopulse.core import faults
from cryptopulse.core.errors import StepError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.lake.storage import PARQUET_OPTIONS
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.engine import MartReader
from cryptopulse.warehouse.engines import open_engine

CSV_TOO = ("agg_coin_stats_monthly",)
BATCH_ROWS = 200_000
# Tables written per month, and the column whose month a row belongs to.
PARTITIONED: dict[str, str] = {
    "fct_posts": "created_at",
    "fct_post_coin": "lake_date",
    "fct_coin_stats_hourly": "hour_ts",
    "mart_coin_social_hourly": "hour_ts",
}
# How far past a window's end its changes reach: mart_coin_social_hourly recomputes the
# z-scores of the 168 hours after the window's last hour.
REACH_AFTER_WINDOW = timedelta(days=8)
UNDATED = date(1, 1, 1)
# Which run wrote a row (macros/checks.sql): the warehouse's bookkeeping, not exported.
INTERNAL_COLUMNS = ("merge_window",)
_MONTH = "__export_month"


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    files: tuple[str, ...]


class ExportError(StepError):
    """The warehouse has nothing to export (the transform has not run)."""


def export_marts(
    settings: Settings,
    lake: Lake,
    tables: tuple[str, ...] = USER_TABLES,
    on_table: Callable[[str], None] | None = None,
    window: Interval | None = None,
) -> list[ExportedTable]:
    """Export each table to ``marts/``; returns what was written.

    With a ``window`` a partitioned table rewrites the months the window can have changed
    (and any month not exported yet); without one, every month, removing months no longer
    in the table.
    """
    engine = open_engine(settings)
    where = engine.location()
    if not engine.exists():
        raise ExportError(
            f"no warehouse at {where}: run `cryptopulse transform` (or `cryptopulse run`) first"
        )
    exported = []
    with engine.reader(wait_for_build=True) as con:
        present = set(con.tables())
        missing = [t for t in tables if t not in present]
        if missing:
            raise ExportError(
                f"the warehouse at {where} has no table {missing[0]}: "
                "run `cryptopulse transform` first"
            )
        for table in tables:
            if table in PARTITIONED:
                exported.append(_export_by_month(con, lake, table, window))
            else:
                exported.append(_export_whole(con, lake, table))
            if on_table is not None:
                on_table(table)
    return exported


def _columns(con: MartReader, table: str) -> str:
    """The select list of an export: every column but the warehouse's own bookkeeping."""
    names = con.columns(table)
    return ", ".join(con.quote(name) for name in names if name not in INTERNAL_COLUMNS)


def _export_whole(con: MartReader, lake: Lake, table: str) -> ExportedTable:
    name = con.quote(table)
    reader = con.arrow(f"select {_columns(con, table)} from {name}", BATCH_ROWS)
    rel = layout.mart_file(table)
    rows = lake.write_parquet_batches(rel, reader.schema, iter(reader))
    files = [rel]
    if table in CSV_TOO:
        csv_rel = layout.mart_file(table, "csv")
        lake.write_csv(csv_rel, con.arrow(f"select * from {name}", BATCH_ROWS).read_all())
        files.append(csv_rel)
    return ExportedTable(table=table, rows=rows, files=tuple(files))


def _export_by_month(
    con: MartReader, lake: Lake, table: str, window: Interval | None
) -> ExportedTable:
    column = con.quote(PARTITIONED[table])
    # Rows without a month (none today; the column may be null in tables built by an older
    # version) go to the UNDATED file rather than being left out.
    month_of = f"coalesce(cast(date_trunc('month', {column}) as date), DATE '{UNDATED}')"
    by_month = f"select {month_of} as month, count(*) from {con.quote(table)} group by month"
    counts: dict[date, int] = {month: count for month, count in con.rows(by_month)}
    on_disk = {_month_of_file(rel): rel for rel in lake.glob(layout.mart_month_glob(table))}
    if not on_disk and not lake.exists(layout.mart_empty_file(table)):
        # The first export in this layout: no second copy of an older one for readers to
        # find (locally, a file at the table's path is replaced by the folder swap).
        lake.delete_folder(layout.legacy_mart_month_folder(table))
        if lake.is_s3 and lake.is_file(layout.mart_file(table)):
            lake.delete(layout.mart_file(table))
    if not counts or window is None:
        wanted = set(counts)
    else:
        reach = _months(window.start, window.end + REACH_AFTER_WINDOW)
        wanted = {m for m in counts if m in reach or m not in on_disk}
    # Months neither rewritten nor gone from the table stay as they are.
    keep = [
        posixpath.basename(rel) for m, rel in on_disk.items() if m in counts and m not in wanted
    ]
    folder = layout.mart_file(table)
    # The new folder is written aside and swapped in whole: an export killed half-way
    # leaves readers the previous table, never a folder of temporary files.
    with lake.folder_atomic(folder, keep) as aside:
        if not counts:  # still at its path for readers: a file with the columns and no rows
            columns = f"select {_columns(con, table)} from {con.quote(table)} limit 0"
            lake.write_parquet(
                _in_folder(aside, layout.mart_empty_file(table)),
                con.arrow(columns, BATCH_ROWS).read_all(),
            )
            if lake.is_s3:
                for rel in on_disk.values():
                    lake.delete(rel)
            return ExportedTable(table=table, rows=0, files=(layout.mart_empty_file(table),))
        files = _write_months(con, lake, table, sorted(wanted), month_of, aside)
    if lake.is_s3:  # no folder was swapped: remove what the table no longer has
        lake.delete(layout.mart_empty_file(table))
        for month, rel in on_disk.items():
            if month not in counts:
                lake.delete(rel)
    return ExportedTable(table=table, rows=sum(counts.values()), files=tuple(files))


def _in_folder(folder: str, rel: str) -> str:
    """``rel`` (a file of a mart's folder) moved into ``folder``."""
    return f"{folder}/{posixpath.basename(rel)}"


def _write_months(
    con: MartReader, lake: Lake, table: str, months: list[date], month_of: str, folder: str
) -> list[str]:
    """Write ``months`` of ``table`` in one scan, one Parquet file per month, into
    ``folder``; returns their paths in the table's folder."""
    if not months:
        return []
    wanted = ", ".join(f"DATE '{m.isoformat()}'" for m in months)
    reader = con.arrow(
        f"select {_columns(con, table)}, {month_of} as {con.quote(_MONTH)} "
        f"from {con.quote(table)} where {month_of} in ({wanted})",
        BATCH_ROWS,
    )
    schema = reader.schema.remove(reader.schema.get_field_index(_MONTH))
    files: dict[date, str] = {}
    with contextlib.ExitStack() as stack:
        writers: dict[date, pq.ParquetWriter] = {}
        for batch in reader:
            month_column = batch.column(_MONTH)
            rows = pa.Table.from_batches([batch]).drop_columns([_MONTH])
            for month in pc.unique(month_column).to_pylist():
                if month not in writers:
                    files[month] = layout.mart_month_file(table, month)
                    handle = stack.enter_context(lake.open_atomic(_in_folder(folder, files[month])))
                    writers[month] = stack.enter_context(
                        pq.ParquetWriter(handle, schema, **PARQUET_OPTIONS)
                    )
                writers[month].write_table(rows.filter(pc.equal(month_column, month)))
                faults.hold("export.mid-file")
    return [files[m] for m in sorted(files)]


def _month_of_file(rel: str) -> date:
    stamp = rel.rsplit("_", 1)[1].removesuffix(".parquet")
    return date.fromisoformat(f"{stamp}-01")


def _months(start: date, end: date) -> set[date]:
    """The first days of the calendar months [start, end) overlaps."""
    months = set()
    month = start.replace(day=1)
    while month < end:
        months.add(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def read_mart(lake: Lake, table: str) -> pa.Table:
    """An exported table, whether written whole or by month."""
    if table not in PARTITIONED:
        return lake.read_parquet(layout.mart_file(table))
    parts = [lake.read_parquet(rel) for rel in lake.glob(f"{layout.mart_file(table)}/*.parquet")]
    if not parts:
        raise FileNotFoundError(f"no exported months of {table} in {lake.uri(layout.MARTS)}")
    return pa.concat_tables(parts)
