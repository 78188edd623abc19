"""Arrow into PostgreSQL with binary COPY, and the lake's datasets into the raw tables.

ADBC's libpq driver turns Arrow record batches into ``COPY … FROM STDIN (FORMAT binary)`` in
C: no row-by-row inserts, no Python per row, and memory bounded by one batch at a time. The
password is libpq's own lookup (PGPASSWORD, ~/.pgpass), never part of the URL.

``write_arrow`` is the general piece (any Arrow stream into a schema's table, in the caller's
transaction); ``load_lake`` is the loader step: each landed dataset's files into
``<schema>_raw.<dataset>``, with the columns of its contract plus ``filename`` (the lake file a
row came from, as DuckDB reads it) and ``lake_date`` (its day partition). With a window, the
window's lake days are deleted and copied again in one transaction: a daily run replaces only
its days, and a failed load leaves the tables as they were.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cryptopulse.core.datasets import ENRICH_DATASETS, LAKE_DATASETS
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake, layout

BATCH_ROWS = 64_000
_DAY = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/[^/]+$")
# The SQL type of each Arrow type the lake's contracts use (binary COPY needs them to match).
_PG_TYPES = {
    pa.string(): "text",
    pa.large_string(): "text",
    pa.float64(): "double precision",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.bool_(): "boolean",
    pa.date32(): "date",
}
EXTRA_COLUMNS = pa.schema([pa.field("filename", pa.string()), pa.field("lake_date", pa.date32())])


def pg_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL column type that binary COPY of ``arrow_type`` writes into."""
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz is not None else "timestamp"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision}, {arrow_type.scale})"
    if arrow_type in _PG_TYPES:
        return _PG_TYPES[arrow_type]
    raise TypeError(f"no PostgreSQL type for the Arrow type {arrow_type}")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def connect(url: str) -> Iterator[adbc.Connection]:
    """An ADBC connection in a transaction (commit to keep what was written)."""
    con = adbc.connect(url)
    try:
        yield con
    finally:
        con.close()


def create_table_sql(schema: str, table: str, columns: pa.Schema) -> str:
    body = ", ".join(f"{quote(f.name)} {pg_type(f.type)}" for f in columns)
    return f"create table if not exists {quote(schema)}.{quote(table)} ({body})"


def ensure_table(cur: Any, schema: str, table: str, columns: pa.Schema) -> None:
    """Create ``schema.table`` with ``columns`` if missing; add columns a newer contract
    has (a contract only ever gains columns)."""
    cur.execute(create_table_sql(schema, table, columns))
    for field in columns:
        cur.execute(
            f"alter table {quote(schema)}.{quote(table)} "
            f"add column if not exists {quote(field.name)} {pg_type(field.type)}"
        )


def write_arrow(cur: Any, schema: str, table: str, data: pa.RecordBatchReader) -> int:
    """Append ``data`` to ``schema.table`` (it exists, with these columns by name) with
    binary COPY, batch by batch, in the cursor's transaction; the rows written."""
    return int(cur.adbc_ingest(table, data, mode="append", db_schema_name=schema))


def replace_table(
    url: str, schema: str, table: str, data: pa.RecordBatchReader, create: bool = True
) -> int:
    """``schema.table`` holds exactly ``data`` afterwards, swapped in one transaction (a
    reader sees the old rows or the new ones, never none): for a table computed in Python."""
    with connect(url) as con, con.cursor() as cur:
        if create:
            ensure_table(cur, schema, table, data.schema)
        cur.execute(f"delete from {quote(schema)}.{quote(table)}")
        rows = write_arrow(cur, schema, table, data)
        con.commit()
    return rows


# ---- the lake into the raw tables --------------------------------------------------------
def raw_columns(dataset: str) -> pa.Schema:
    """The raw table's columns: the dataset's contract, then filename and lake_date."""
    contract = LAKE_DATASETS[dataset].schema
    return pa.schema([*contract, *EXTRA_COLUMNS])


def dataset_files(
    lake: Lake, dataset: str, enrich_versions: Mapping[str, str], window: Interval | None
) -> list[str]:
    """The dataset's lake files (relative), of the window's days only if one is given."""
    if dataset in ENRICH_DATASETS:
        rels = lake.glob(layout.enrich_glob(dataset, enrich_versions[dataset]))
    else:
        rels = lake.glob(layout.dataset_glob(layout.RAW, dataset))
    if window is None:
        return rels
    return [rel for rel in rels if window.start <= _day_of(rel) < window.end]


def files_of_days(rels: list[str], days: set[date]) -> list[str]:
    return [rel for rel in rels if _day_of(rel) in days]


def _day_of(rel: str) -> date:
    match = _DAY.search("/" + rel)
    if match is None:
        raise ValueError(f"lake file outside a date=YYYY-MM-DD partition: {rel}")
    return date.fromisoformat(match[1])


def file_batches(lake: Lake, rel: str, columns: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A lake file's rows as batches of ``columns``: contract columns it lacks are null (an
    older file), ``filename`` and ``lake_date`` added."""
    uri = lake.uri(rel)
    day = _day_of(rel)
    with lake.fs.open(lake.path(rel), "rb") as handle:
        parquet = pq.ParquetFile(handle)
        present = set(parquet.schema_arrow.names)
        wanted = [f.name for f in columns if f.name in present]
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            n = batch.num_rows
            arrays = []
            for field in columns:
                if field.name == "filename":
                    arrays.append(pa.array([uri] * n, pa.string()))
                elif field.name == "lake_date":
                    arrays.append(pa.array([day] * n, pa.date32()))
                elif field.name in present:
                    arrays.append(pc.cast(batch.column(field.name), field.type))
                else:
                    arrays.append(pa.nulls(n, field.type))
            yield pa.RecordBatch.from_arrays(arrays, schema=columns)


def load_lake(
    url: str,
    raw_schema: str,
    lake: Lake,
    datasets: list[str],
    enrich_versions: Mapping[str, str],
    window: Interval | None,
    on_dataset: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy the landed ``datasets`` into ``raw_schema``, all in one transaction: without a
    window every table is replaced, with one only the window's lake days. Returns rows
    copied per dataset. Datasets not landed get their (empty) table, so staging can read it.
    """
    copied: dict[str, int] = {}
    with connect(url) as con, con.cursor() as cur:
        cur.execute(f"create schema if not exists {quote(raw_schema)}")
        for dataset in LAKE_DATASETS:
            columns = raw_columns(dataset)
            ensure_table(cur, raw_schema, dataset, columns)
            target = f"{quote(raw_schema)}.{quote(dataset)}"
            cur.execute(
                f"create index if not exists {quote(dataset + '_lake_date')} "
                f"on {target} (lake_date)"
            )
            files = []
            if dataset in datasets:
                files = dataset_files(lake, dataset, enrich_versions, None)
            if window is None:
                cur.execute(f"truncate {target}")
            else:
                # The window's days are replaced; lake days the table has never seen (landed
                # before this warehouse, or by runs that did not load) are added, so the raw
                # tables always hold every landed day, as DuckDB's view of the lake does.
                cur.execute(f"select distinct lake_date from {target}")
                loaded = {row[0] for row in cur.fetchall()}
                cur.execute(
                    f"delete from {target} where lake_date >= '{window.start.isoformat()}' "
                    f"and lake_date < '{window.end.isoformat()}'"
                )
                days = {_day_of(rel) for rel in files}
                wanted = {d for d in days if window.start <= d < window.end or d not in loaded}
                files = files_of_days(files, wanted)
            if dataset not in datasets:
                continue

            def batches(
                files: list[str] = files, columns: pa.Schema = columns
            ) -> Iterator[pa.RecordBatch]:
                for rel in files:
                    yield from file_batches(lake, rel, columns)

            reader = pa.RecordBatchReader.from_batches(columns, batches())
            copied[dataset] = write_arrow(cur, raw_schema, dataset, reader) if files else 0
            if on_dataset is not None:
                on_dataset(dataset, copied[dataset])
        # Statistics for the planner: staging reads these tables right after.
        for dataset in LAKE_DATASETS:
            cur.execute(f"analyze {quote(raw_schema)}.{quote(dataset)}")
        con.commit()
    return copied


Error = adbc_driver_manager.Error
