"""Read-only access to the warehouse, whatever its engine, for the export, summary and status."""

from __future__ import annotations

from cryptopulse.core.settings import Settings
from cryptopulse.lake import open_lake
from cryptopulse.warehouse.dbt_runner import require_landed
from cryptopulse.warehouse.engine import WarehouseUnavailable
from cryptopulse.warehouse.engines import open_engine

__all__ = [
    "WarehouseUnavailable",
    "check_landed",
    "check_writable",
    "describe",
    "leftovers",
    "table_rows",
]


def check_writable(settings: Settings) -> None:
    """Raise WarehouseUnavailable now if the transform could not write the warehouse
    (another process holds it, it is no database of its engine) — before dbt starts, which
    would report it with a traceback of its own."""
    open_engine(settings).check_writable()


def check_landed(settings: Settings) -> None:
    """Raise NothingToBuild now if the lake has no landed data (a mistyped lake path):
    before enriching nothing and building empty tables whose checks all pass."""
    require_landed(open_lake(settings))


def table_rows(settings: Settings) -> dict[str, int]:
    """Row counts of the warehouse's tables (empty if there is no warehouse yet)."""
    return open_engine(settings).table_rows()


def describe(settings: Settings) -> str:
    """The engine and where it is (never a password), for status and the summary."""
    return open_engine(settings).describe()


def leftovers(settings: Settings) -> list[str]:
    """What interrupted writes left beside the warehouse, each explained (for status)."""
    return open_engine(settings).leftovers()
