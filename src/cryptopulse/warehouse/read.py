"""Read-only access to the DuckDB warehouse, for the export, the summary and status."""

from __future__ import annotations

import duckdb

from cryptopulse.settings import Settings


def connect_read_only(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    con.execute("set enable_progress_bar = false")  # DuckDB's own bar would draw over ours
    return con


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
