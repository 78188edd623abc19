"""Where things live in the lake: deterministic paths, so a rerun overwrites, never duplicates.

raw/<source>/<dataset>/date=YYYY-MM-DD/<source>_<dataset>_YYYY-MM-DD.parquet
quarantine/<source>/<dataset>/date=YYYY-MM-DD/<source>_<dataset>_YYYY-MM-DD.parquet
marts/<table>.parquet (and .csv where the original project had CSV)
state/runs/<run_id>.json, state/last_run.json
"""

from __future__ import annotations

from datetime import date

RAW = "raw"
QUARANTINE = "quarantine"
MARTS = "marts"
STATE = "state"


def partition_file(zone: str, source: str, dataset: str, day: date, ext: str = "parquet") -> str:
    """The one file holding ``dataset`` records from ``source`` for ``day`` in ``zone``."""
    stamp = day.isoformat()
    return f"{zone}/{source}/{dataset}/date={stamp}/{source}_{dataset}_{stamp}.{ext}"


def raw_file(source: str, dataset: str, day: date, ext: str = "parquet") -> str:
    return partition_file(RAW, source, dataset, day, ext)


def quarantine_file(source: str, dataset: str, day: date) -> str:
    return partition_file(QUARANTINE, source, dataset, day)


def dataset_glob(zone: str, dataset: str, source: str = "*") -> str:
    """A glob over every partition file of ``dataset`` (from every source by default)."""
    return f"{zone}/{source}/{dataset}/*/*.parquet"


def mart_file(table: str, ext: str = "parquet") -> str:
    return f"{MARTS}/{table}.{ext}"


def run_record(run_id: str) -> str:
    return f"{STATE}/runs/{run_id}.json"


LAST_RUN = f"{STATE}/last_run.json"
