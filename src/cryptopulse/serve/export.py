"""Write the warehouse's dims, facts and aggregates back to the lake as ``marts/``.

Like the original project's last step (tables back to S3), with Parquet for every table
and CSV as well for the monthly aggregate, which the original shipped as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptopulse.lake import Lake, layout
from cryptopulse.settings import Settings
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.read import connect_read_only

CSV_TOO = ("agg_coin_stats_monthly",)
BATCH_ROWS = 200_000


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    files: tuple[str, ...]


class ExportError(RuntimeError):
    """The warehouse has nothing to export (the transform has not run)."""


def export_marts(
    settings: Settings,
    lake: Lake,
    tables: tuple[str, ...] = USER_TABLES,
    on_table: Callable[[str], None] | None = None,
) -> list[ExportedTable]:
    """Export each table to ``marts/<table>.parquet``; returns what was written."""
    path = settings.warehouse_path
    if not path.exists():
        raise ExportError(
            f"no warehouse at {path}: run `cryptopulse transform` (or `cryptopulse run`) first"
        )
    exported = []
    with connect_read_only(settings) as con:
        present = {
            row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
        }
        missing = [t for t in tables if t not in present]
        if missing:
            raise ExportError(
                f"the warehouse at {path} has no table {missing[0]}: "
                "run `cryptopulse transform` first"
            )
        for table in tables:
            relation = con.sql(f'select * from "{table}"')
            reader = relation.to_arrow_reader(BATCH_ROWS)
            rel = layout.mart_file(table)
            rows = lake.write_parquet_batches(rel, reader.schema, iter(reader))
            files = [rel]
            if table in CSV_TOO:
                csv_rel = layout.mart_file(table, "csv")
                lake.write_csv(csv_rel, con.sql(f'select * from "{table}"').to_arrow_table())
                files.append(csv_rel)
            exported.append(ExportedTable(table=table, rows=rows, files=tuple(files)))
            if on_table is not None:
                on_table(table)
    return exported
