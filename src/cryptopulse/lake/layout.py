"""Where things live in the lake: deterministic paths, so a rerun overwrites, never duplicates.

raw/<source>/<dataset>/date=YYYY-MM-DD/<source>_<dataset>_YYYY-MM-DD.parquet
quarantine/<source>/<dataset>/date=YYYY-MM-DD/<source>_<dataset>_YYYY-MM-DD.parquet
marts/<table>.parquet (and .csv where the original project had CSV); for the large, growing
    tables a folder of that name holding one file per month, <table>_YYYY-MM.parquet
state/runs/<run_id>.json, state/last_run.json
"""

from __future__ import annotations

from datetime import date

RAW = "raw"
QUARANTINE = "quarantine"
MARTS = "marts"
ENRICH = "enrich"  # enrich/<kind>/<version>/date=YYYY-MM-DD/: what the enrich step writes
STATE = "state"


def partition_file(
    zone: str, source: str, dataset: str, day: date, ext: str = "parquet", part: str | None = None
) -> str:
    """The one file holding ``dataset`` records from ``source`` for ``day`` (and ``part``)."""
    stamp = day.isoformat()
    suffix = f"_{_safe_part(part)}" if part else ""
    return f"{zone}/{source}/{dataset}/date={stamp}/{source}_{dataset}_{stamp}{suffix}.{ext}"


def _safe_part(part: str) -> str:
    """A part name usable in a file name on every filesystem and in S3 keys."""
    cleaned = "".join(c if c.isalnum() or c in "-." else "-" for c in part.lower())
    if not cleaned.strip("-."):
        raise ValueError(f"unusable partition part name: {part!r}")
    return cleaned


def raw_file(
    source: str, dataset: str, day: date, ext: str = "parquet", part: str | None = None
) -> str:
    return partition_file(RAW, source, dataset, day, ext, part)


def quarantine_file(source: str, dataset: str, day: date, part: str | None = None) -> str:
    return partition_file(QUARANTINE, source, dataset, day, part=part)


def dataset_glob(zone: str, dataset: str, source: str = "*") -> str:
    """A glob over every partition file of ``dataset`` (from every source by default)."""
    return f"{zone}/{source}/{dataset}/*/*.parquet"


def enrich_glob(kind: str = "*", version: str = "*") -> str:
    """A glob over the enrich results of ``kind`` and ``version`` (every one by default)."""
    return f"{ENRICH}/{kind}/{version}/*/*.parquet"


def mart_file(table: str, ext: str = "parquet") -> str:
    return f"{MARTS}/{table}.{ext}"


def mart_month_file(table: str, month: date) -> str:
    """One calendar month of a partitioned mart, inside the folder ``marts/<table>.parquet``:
    the path users read stays the table's, and Parquet readers (DuckDB, pyarrow, pandas,
    Spark) read the folder as one table."""
    stamp = f"{month.year:04d}-{month.month:02d}"
    return f"{mart_file(table)}/{table}_{stamp}.parquet"


def mart_month_glob(table: str) -> str:
    return f"{mart_file(table)}/{table}_[0-9][0-9][0-9][0-9]-[0-9][0-9].parquet"


def mart_empty_file(table: str) -> str:
    """What a partitioned mart's folder holds while the table has no rows: its columns."""
    return f"{mart_file(table)}/{table}_empty.parquet"


def legacy_mart_month_folder(table: str) -> str:
    """Where versions before 0.1.0's release wrote a partitioned mart's months
    (marts/<table>/month=YYYY-MM/), removed on the next export."""
    return f"{MARTS}/{table}"


def run_record(run_id: str) -> str:
    return f"{STATE}/runs/{run_id}.json"


LAST_RUN = f"{STATE}/last_run.json"
