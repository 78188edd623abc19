"""Read-only access to the DuckDB warehouse, for the export, the summary and status."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings

_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseUnavailable(UserError):
    """The warehouse file cannot be opened: the message says which file, what is wrong
    and what to do (it is locked, or it is not a DuckDB database)."""


def explain_open_error(path: Path, message: str, writing: bool) -> str | None:
    """One line for a DuckDB error opening ``path``, or None if it is not about opening it."""
    if "Could not set lock" in message or "Conflicting lock" in message:
        holder = _LOCK.search(message)
        by = f" (held by PID {holder['pid']}, {holder['program']})" if holder else ""
        mode = "has it open" if writing else "has it open for writing"
        return (
            f"the warehouse {path} is locked{by}: another process — a notebook, the DuckDB "
            f"CLI, Airflow — {mode}; close it or wait, then run the same command again"
        )
    if "not a valid DuckDB database" in message:
        return (
            f"the warehouse {path} is not a DuckDB database file: point "
            "CRYPTOPULSE_WAREHOUSE_URL at another file, or move this one away"
        )
    if "Is a directory" in message:
        return f"the warehouse {path} is a folder: CRYPTOPULSE_WAREHOUSE_URL must name a file"
    return None


def _unavailable(path: Path, exc: duckdb.Error, writing: bool) -> WarehouseUnavailable:
    message = str(exc)
    explained = explain_open_error(path, message, writing)
    return WarehouseUnavailable(explained or f"cannot open the warehouse {path}: {message}")


def connect_read_only(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file."""
    path = settings.warehouse_path
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise _unavailable(path, exc, writing=False) from exc
    con.execute("set enable_progress_bar = false")  # DuckDB's own bar would draw over ours
    return con


def check_writable(settings: Settings) -> None:
    """Raise WarehouseUnavailable now if the transform could not open the warehouse for
    writing (another process holds it, or the file is no DuckDB database) — before dbt
    starts, which would report it with a traceback of its own. No file yet is fine."""
    path = settings.warehouse_path
    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as exc:
        raise _unavailable(path, exc, writing=True) from exc


def table_rows(settings: Settings) -> dict[str, int]:
    """Row counts of the warehouse's tables (empty if there is no warehouse yet)."""
    if not settings.warehouse_path.exists():
        return {}
    with connect_read_only(settings) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() order by table_name"
            ).fetchall()
        ]
        return {
            name: int(con.execute(f'select count(*) from "{name}"').fetchall()[0][0])
            for name in names
        }
