"""Where the dashboard reads: the warehouse, read-only, or else the lake's exported marts.

The warehouse is opened through its engine's read-only reader (DuckDB ``read_only``, the
PostgreSQL reader role) for each query and closed after, so the dashboard never holds a lock
a transform would wait on. When it cannot be reached — not built on this machine, locked by
a writer, its server down — the marts the last export wrote to ``lake/marts/`` are read the
same way (``warehouse.exported``). Nothing here writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout, open_lake
from cryptopulse.warehouse.engine import MartReader, WarehouseUnavailable
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.exported import exported_marts, exported_tables

BATCH_ROWS = 100_000
WAREHOUSE = "warehouse"
EXPORTED = "exported marts"
NOTHING = "nothing"


@dataclass(frozen=True)
class Marts:
    """The marts the dashboard reads, and where they are."""

    settings: Settings
    kind: str  # WAREHOUSE, EXPORTED or NOTHING
    where: str  # for people: the engine and its location, or the lake's marts folder
    tables: frozenset[str]
    note: str | None = None  # why the warehouse is not read, when it is not

    @contextlib.contextmanager
    def reader(self) -> Iterator[MartReader]:
        """A read-only connection to the marts (opened now, closed after the block)."""
        if self.kind == WAREHOUSE:
            with open_engine(self.settings).reader() as reader:
                yield reader
        elif self.kind == EXPORTED:
            with exported_marts(lake_of(self.settings)) as reader:
                yield reader
        else:
            raise LookupError("there are no marts to read yet")

    def frame(self, sql: str) -> pd.DataFrame:
        """A query's result as a DataFrame."""
        with self.reader() as reader:
            return reader.arrow(sql, BATCH_ROWS).read_all().to_pandas()

    def missing(self, needed: Iterable[str]) -> list[str]:
        """The tables of ``needed`` these marts do not have."""
        return [table for table in needed if table not in self.tables]


def lake_of(settings: Settings) -> Lake:
    return open_lake(settings)


def locate(settings: Settings) -> Marts:
    """The warehouse if it can be opened, else the exported marts, else nothing."""
    engine = open_engine(settings)
    note: str | None
    try:  # a server engine may find out it is unreachable as soon as it looks
        if engine.exists():
            with engine.reader() as reader:
                tables = frozenset(reader.tables())
            return Marts(settings, WAREHOUSE, f"{engine.describe()} (read-only)", tables)
        note = f"no warehouse at {engine.location()}"
    except WarehouseUnavailable as exc:
        note = str(exc)
    lake = lake_of(settings)
    exported = exported_tables(lake)
    if exported:
        where = f"the exported marts in {lake.uri(layout.MARTS)}"
        return Marts(settings, EXPORTED, where, frozenset(exported), note)
    return Marts(settings, NOTHING, "no marts yet", frozenset(), note)


def data_version(settings: Settings) -> str:
    """Changes whenever a run lands: the last run's id and end (state/last_run.json). The
    dashboard's cached query results are keyed on it, so a new run shows at once."""
    lake = lake_of(settings)
    if not lake.exists(layout.LAST_RUN):
        return "no run"
    try:
        record: Any = lake.read_json(layout.LAST_RUN)
    except ValueError:  # being rewritten; the next look sees the new one
        return "unreadable"
    if not isinstance(record, dict):
        return "unreadable"
    return f"{record.get('run_id')}@{record.get('finished_at')}"
