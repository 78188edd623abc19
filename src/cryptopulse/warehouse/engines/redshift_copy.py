"""The SQL the Redshift loader runs: raw tables, and COPY of the lake's Parquet from S3.

Pure functions (no driver, no connection), so every statement is unit-tested as text and
parsed with sqlglot's Redshift dialect (tests/warehouse/test_redshift_copy.py).

Redshift's COPY of Parquet maps columns by position and needs the table to have exactly the
file's columns, and it cannot add a value of its own. The staging models want two more per
row: ``filename`` (the lake file the row came from: the greatest one wins a duplicate key)
and ``lake_date`` (its day partition). So each file is copied on its own into a temporary
table shaped like the dataset's contract, then inserted into the raw table with its URL and
day; a window's days are replaced in one transaction (its rows deleted first), so readers
and a failed load never see half a window.

A COPY names one object key, never a folder prefix: a day's folder can hold several files
of one source (parts of an import), and a prefix would lose which row came from which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from cryptopulse.core.datasets import ENRICH_DATASETS, LAKE_DATASETS
from cryptopulse.core.interval import Interval
from cryptopulse.lake import layout

# The schema of the dbt source `lake` (models/staging/_sources.yml): the raw tables.
RAW_SCHEMA = "lake"
# Redshift sizes varchar in bytes (at most 65535); a lake string of N characters takes up to
# 4N bytes in UTF-8. A column with no length in its contract gets the maximum.
VARCHAR_MAX = 65535
FILENAME_BYTES = 2048
_DAY_FOLDER = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/[^/]+\.parquet$")


@dataclass(frozen=True)
class LakeFile:
    """One Parquet file of the lake to COPY: its dataset, its s3:// URL, its day partition."""

    dataset: str
    url: str
    day: date


def quote_ident(name: str) -> str:
    """An identifier in double quotes (Redshift folds unquoted names to lower case)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal: quotes doubled, and backslashes too (Redshift reads a backslash in
    a literal as an escape)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def raw_table(dataset: str) -> str:
    return f"{quote_ident(RAW_SCHEMA)}.{quote_ident(dataset)}"


def copy_table(dataset: str) -> str:
    """The session's temporary table one file is copied into."""
    return quote_ident(f"cryptopulse_copy_{dataset}")


def column_type(field: pa.Field, max_chars: int | None) -> str:
    """The Redshift type of a contract column, as COPY loads it from Parquet."""
    kind = field.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        size = VARCHAR_MAX if max_chars is None else min(4 * max_chars, VARCHAR_MAX)
        return f"varchar({size})"
    if pa.types.is_float64(kind):
        return "double precision"
    if pa.types.is_int64(kind):
        return "bigint"
    if pa.types.is_int32(kind):
        return "integer"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_timestamp(kind):
        # Parquet's UTC instants load as the UTC wall clock (staging reads them with
        # convert_timezone('UTC', ...), macros/time.sql).
        return "timestamp"
    raise ValueError(f"no Redshift type for {field.name}: {kind}")


def contract_columns(dataset: str) -> list[tuple[str, str]]:
    """(name, Redshift type) of the dataset's contract columns, in the files' order."""
    contract = LAKE_DATASETS[dataset]
    return [
        (field.name, column_type(field, contract.max_chars.get(field.name)))
        for field in contract.schema
    ]


def create_raw_table(dataset: str) -> str:
    """The raw table dbt's source reads: the contract's columns, then filename and lake_date.
    Distributed evenly and sorted by day, so a window's delete and the staging models'
    window filter read only their days' blocks."""
    columns = [*contract_columns(dataset), ("filename", f"varchar({FILENAME_BYTES})")]
    columns.append(("lake_date", "date"))
    body = ",\n    ".join(f"{quote_ident(name)} {kind}" for name, kind in columns)
    return (
        f"create table if not exists {raw_table(dataset)} (\n    {body}\n)\n"
        "diststyle even\ncompound sortkey (lake_date)"
    )


def python_table_statements(schema: str, name: str, columns: pa.Schema) -> tuple[str, str, str]:
    """(create, empty, insert) for a table computed in Python (the Granger mart): created if
    missing, emptied and refilled in the caller's one transaction, so readers see the old
    rows or the new ones. The insert takes one row of %s parameters: these tables are a few
    hundred rows, and a client has no COPY into Redshift but from S3."""
    table = f"{quote_ident(schema)}.{quote_ident(name)}"
    body = ",\n    ".join(f"{quote_ident(f.name)} {column_type(f, None)}" for f in columns)
    names = ", ".join(quote_ident(f.name) for f in columns)
    values = ", ".join("%s" for _ in columns)
    return (
        f"create table if not exists {table} (\n    {body}\n)",
        f"delete from {table}",
        f"insert into {table} ({names}) values ({values})",
    )


def create_copy_table(dataset: str) -> str:
    """The temporary table one file is copied into: exactly the file's columns."""
    body = ",\n    ".join(f"{quote_ident(n)} {k}" for n, k in contract_columns(dataset))
    return f"create temporary table {copy_table(dataset)} (\n    {body}\n)"


def delete_window(dataset: str, window: Interval | None) -> str:
    """Remove the rows of the window's days (every row without a window). DELETE, not
    TRUNCATE: Redshift's TRUNCATE commits the transaction it runs in."""
    statement = f"delete from {raw_table(dataset)}"
    if window is None:
        return statement
    return (
        f"{statement}\nwhere lake_date >= {date_literal(window.start)} "
        f"and lake_date < {date_literal(window.end)}"
    )


def _other_version(prefix: str) -> str:
    # A prefix compared as text, not LIKE: no wildcard in a lake path needs escaping.
    return f"left(filename, {len(prefix)}) <> {quote_literal(prefix)}"


def count_other_versions(dataset: str, prefix: str) -> str:
    """How many rows of an enrich result's raw table come from outside ``prefix`` (another
    version than the one the models read)."""
    return f"select count(*) from {raw_table(dataset)}\nwhere {_other_version(prefix)}"


def delete_other_versions(dataset: str, prefix: str) -> str:
    """Remove an enrich result's rows of any other version than the one under ``prefix``
    (the raw table holds one version: the one the models read)."""
    return f"delete from {raw_table(dataset)}\nwhere {_other_version(prefix)}"


def date_literal(day: date) -> str:
    return f"cast({quote_literal(day.isoformat())} as date)"


def copy_file(lake_file: LakeFile, iam_role: str) -> str:
    """COPY one Parquet object into the dataset's temporary table."""
    if not lake_file.url.startswith("s3://"):
        raise ValueError(f"COPY reads from S3 only, not {lake_file.url}")
    return (
        f"copy {copy_table(lake_file.dataset)}\n"
        f"from {quote_literal(lake_file.url)}\n"
        f"iam_role {quote_literal(iam_role)}\n"
        "format as parquet"
    )


def insert_copied(lake_file: LakeFile) -> str:
    """Move the copied rows into the raw table, with their file and day."""
    names = [name for name, _ in contract_columns(lake_file.dataset)]
    listed = ", ".join(quote_ident(n) for n in names)
    return (
        f"insert into {raw_table(lake_file.dataset)} ({listed}, filename, lake_date)\n"
        f"select {listed}, {quote_literal(lake_file.url)}, {date_literal(lake_file.day)}\n"
        f"from {copy_table(lake_file.dataset)}"
    )


def clear_copy_table(dataset: str) -> str:
    return f"delete from {copy_table(dataset)}"


def drop_copy_table(dataset: str) -> str:
    return f"drop table if exists {copy_table(dataset)}"


def file_day(path: str) -> date:
    """The day partition of a lake file path (…/date=YYYY-MM-DD/<file>.parquet)."""
    match = _DAY_FOLDER.search(path)
    if match is None:
        raise ValueError(f"not a lake partition file: {path}")
    return date.fromisoformat(match[1])


def dataset_glob(dataset: str, enrich_version: str | None) -> str:
    """The lake glob of a dataset's files: raw/<source>/<dataset>/… or, for an enrich
    result, enrich/<dataset>/<version>/…"""
    if dataset in ENRICH_DATASETS:
        if enrich_version is None:
            raise ValueError(f"no enrich version given for {dataset}")
        return layout.enrich_glob(dataset, enrich_version)
    return layout.dataset_glob(layout.RAW, dataset)


def window_globs(dataset: str, enrich_version: str | None, window: Interval | None) -> list[str]:
    """The lake globs of the window's day partitions (one per day; the whole dataset
    without a window): the partition prefixes a load lists and copies."""
    whole = dataset_glob(dataset, enrich_version)
    if window is None:
        return [whole]
    folder, _, name = whole.rpartition("/*/")  # …/<dataset>[/<version>] and *.parquet
    return [f"{folder}/date={day.isoformat()}/{name}" for day in window.days()]


def enrich_prefix(lake_root_url: str, dataset: str, version: str) -> str:
    """The s3:// prefix of an enrich result's files of one version."""
    return f"{lake_root_url.rstrip('/')}/{layout.ENRICH}/{dataset}/{version}/"


def load_statements(
    dataset: str,
    files: Sequence[LakeFile],
    iam_role: str,
    window: Interval | None,
    version_prefix: str | None = None,
) -> list[str]:
    """Every statement of one dataset's load, in order, for one transaction: the window's
    rows out (and, for an enrich result, other versions' rows), then each file copied in."""
    statements = [drop_copy_table(dataset), create_copy_table(dataset)]
    statements.append(delete_window(dataset, window))
    if version_prefix is not None:
        statements.append(delete_other_versions(dataset, version_prefix))
    for lake_file in files:
        statements += [
            copy_file(lake_file, iam_role),
            insert_copied(lake_file),
            clear_copy_table(dataset),
        ]
    statements.append(drop_copy_table(dataset))
    return statements


def lake_files(dataset: str, urls: Iterable[str]) -> list[LakeFile]:
    """LakeFiles from s3:// URLs of one dataset's Parquet files, sorted."""
    return [LakeFile(dataset, url, file_day(url)) for url in sorted(urls)]
