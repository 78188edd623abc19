"""The warehouse-engine interface: what the pipeline needs from the database dbt builds.

``CRYPTOPULSE_WAREHOUSE_URL``'s scheme picks one implementation (``warehouse.engines``);
the runner, the export, status and Airflow talk to this interface only, so adding an engine
(PostgreSQL, Redshift, Spark) is one module under ``engines/`` and its dbt target.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from cryptopulse.core.errors import StepError, UserError
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake


class WarehouseUnavailable(UserError):
    """The warehouse cannot be opened: the message says which, what is wrong and what to do
    (it is locked, it is not a database of this engine, the server refuses)."""


class WarehouseError(StepError):
    """The warehouse failed while being read (an I/O error of the engine)."""


class MartReader(ABC):
    """A read-only view of the warehouse's tables, for export and status. Queries are plain
    SQL over the user tables (date_trunc, cast, DATE literals), which every engine reads."""

    @abstractmethod
    def tables(self) -> list[str]:
        """The names of the warehouse's tables, sorted."""

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """The column names of ``table``, in order."""

    @abstractmethod
    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Every row of a (small) query result."""

    @abstractmethod
    def arrow(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        """A query's result as Arrow batches of at most ``batch_rows`` rows (bounded memory)."""

    def quote(self, name: str) -> str:
        """An identifier quoted for this engine's SQL."""
        return '"' + name.replace('"', '""') + '"'

    def row_counts(self) -> dict[str, int]:
        """Rows per table, in table name order."""
        return {
            name: int(self.rows(f"select count(*) from {self.quote(name)}")[0][0])
            for name in self.tables()
        }


class WarehouseEngine(ABC):
    """One warehouse engine, configured from the settings; opening it connects to nothing."""

    name: ClassVar[str]  # short id: duckdb, postgresql, ...
    label: ClassVar[str]  # for people: DuckDB, PostgreSQL, ...
    dbt_var_names: ClassVar[tuple[str, ...]] = ()  # the project vars dbt_vars() gives

    # ---- what people and the run record see ----------------------------------------------
    @abstractmethod
    def location(self) -> str:
        """Where the warehouse is (a file, a host and database); never a password."""

    def describe(self) -> str:
        """The engine and where it is, for status, the summary and the run record."""
        return f"{self.label} {self.location()}"

    # ---- dbt -----------------------------------------------------------------------------
    @abstractmethod
    def dbt_target(self) -> str:
        """The target of the committed profiles.yml that builds this warehouse."""

    @abstractmethod
    def dbt_environment(self) -> dict[str, str]:
        """Environment variables the profile reads for this target; no secret."""

    def dbt_vars(
        self, lake: Lake, datasets: list[str], enrich_versions: Mapping[str, str]
    ) -> dict[str, Any]:
        """Project vars this engine adds to the lake's (none by default); ``datasets`` are
        the landed ones."""
        return {}

    @abstractmethod
    def work_dir(self) -> Path:
        """A local folder for dbt's target and logs."""

    # ---- around a build ------------------------------------------------------------------
    @abstractmethod
    def check_writable(self) -> None:
        """Raise WarehouseUnavailable now if a build could not write the warehouse (it is
        locked, it is no database of this engine, the server refuses) — before dbt starts."""

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Hold the warehouse for one build (load, models, checks): a server engine takes a
        lock so a second concurrent run is refused (WarehouseUnavailable), not interleaved.
        Nothing by default (DuckDB's file lock does it)."""
        return contextlib.nullcontext()

    def load(
        self,
        lake: Lake,
        datasets: list[str],
        enrich_versions: Mapping[str, str],
        window: Interval | None,
    ) -> None:
        """Bring the lake's landed ``datasets`` (of ``window``, all if None; enrich results of
        ``enrich_versions``) where dbt reads them: server engines copy them into raw tables.
        Nothing by default: an engine whose models read the lake's Parquet directly."""
        return None

    @abstractmethod
    def release(self) -> None:
        """Let go of connections dbt left open in this process, so readers can open it."""

    def explain(self, message: str) -> str | None:
        """One line a user can act on for an engine error met while building, or None."""
        return None

    # ---- tables computed outside dbt ------------------------------------------------------
    def write_table(self, name: str, table: pa.Table) -> None:
        """Create or replace table ``name`` with ``table``'s rows, atomically (readers see
        the old table or the new one). For the few marts computed in Python after the dbt
        build (warehouse/granger.py); an engine that cannot yet says so."""
        raise NotImplementedError(
            f"the {self.label} warehouse cannot store Python-computed tables yet ({name})"
        )

    # ---- reading -------------------------------------------------------------------------
    @abstractmethod
    def exists(self) -> bool:
        """Whether there is a warehouse to read (False before the first build)."""

    @abstractmethod
    def reader(self, wait_for_build: bool = False) -> contextlib.AbstractContextManager[MartReader]:
        """A read-only connection; WarehouseUnavailable if it cannot be opened.

        ``wait_for_build``: if a cryptopulse run is building the warehouse and the engine
        lets no reader in meanwhile (DuckDB), wait for the build rather than fail (status
        and export do; the dashboard falls back to the exported marts instead)."""

    def leftovers(self) -> list[str]:
        """What an interrupted write left beside the warehouse, each with what it means
        (for ``status``); none by default (a server keeps its own)."""
        return []

    def table_rows(self) -> dict[str, int]:
        """Row counts of the warehouse's tables (empty if there is no warehouse yet)."""
        if not self.exists():
            return {}
        with self.reader(wait_for_build=True) as reader:
            return reader.row_counts()
