"""Order-independent fingerprints of every table and view in a DuckDB warehouse's main schema,
to show that a change to the models' SQL left their content unchanged.

Per relation: its row count and, per column, either an md5 over its sorted values' text
(exact columns: text, integers, dates, timestamps, booleans, decimals) or, for floating and
decimal columns, counts of nulls, NaNs and infinities with the sum, sum of squares, min and max
of the finite values as floats (an engine may add floats in another order, so these compare
within a tolerance; see compare()). Decimals get both: they are exact, yet a tolerance still
tells a rounding residue from a wrong result when a hash differs. The float summaries are
coarse: a lone change of 1e-6 in fct_posts.sentiment_compound (sum ~3442) hides under the sum's
tolerance there, and shows only in the tables built from it (int_coin_social_hourly's sums).

No column is run-specific on a full build: merge_window is 'all', and no model stamps the time
of the run (a column that did would be listed in RUN_SPECIFIC and left out).

Run it on a warehouse file to write the JSON:
    python tests/warehouse/table_fingerprints.py WAREHOUSE.duckdb OUT.json [--note TEXT]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import duckdb

REL_TOL = 1e-9
ABS_TOL = 1e-12  # a value that is zero on one side and a rounding residue on the other

# (relation, column) pairs whose values depend on when or how the build ran. None so far.
RUN_SPECIFIC: frozenset[tuple[str, str]] = frozenset()

# dbt's leftovers of an interrupted build (model__dbt_tmp, model__dbt_backup).
_LEFTOVER = re.compile(r"__dbt_(tmp|backup)$")
_NULL_TEXT = "\x00null"  # sorts before any value's text, and no value's text equals it


def _is_float(data_type: str) -> bool:
    return data_type in ("FLOAT", "DOUBLE", "REAL")


def _is_decimal(data_type: str) -> bool:
    return data_type.startswith("DECIMAL")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The main schema's tables and views (not DuckDB's own), without dbt's leftovers."""
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main'"
        " and database_name = current_database() and not internal"
        " union all select view_name from duckdb_views() where schema_name = 'main'"
        " and database_name = current_database() and not internal"
    ).fetchall()
    return sorted(name for (name,) in rows if not _LEFTOVER.search(name))


def _column_fingerprint(
    con: duckdb.DuckDBPyConnection, table: str, column: str, data_type: str
) -> dict[str, Any]:
    col = _quoted(column)
    summary: dict[str, Any] = {"type": data_type}
    if not _is_float(data_type):
        # Text of each value (nulls as a marker), sorted, joined: the same multiset of
        # values gives the same md5 whatever the rows' order.
        (digest,) = con.execute(
            f"select md5(coalesce(string_agg(v, chr(30) order by v), ''))"
            f" from (select coalesce(cast({col} as varchar), '{_NULL_TEXT}') as v"
            f" from {_quoted(table)})"
        ).fetchone()  # type: ignore[misc]
        summary["md5"] = digest
    if _is_float(data_type) or _is_decimal(data_type):
        x = f"cast({col} as double)"
        finite = f"case when isfinite({x}) then {x} end"
        row = con.execute(
            f"select count(*) filter ({col} is null), count(*) filter (isnan({x})),"
            f" count(*) filter (isinf({x})), fsum({finite}), fsum({finite} * {finite}),"
            f" min({finite}), max({finite}) from {_quoted(table)}"
        ).fetchone()
        assert row is not None
        keys = ("nulls", "nans", "infs", "sum", "sum_sq", "min", "max")
        summary.update(dict(zip(keys, row, strict=True)))
    return summary


def fingerprints(warehouse: Path) -> dict[str, Any]:
    """{relation: {"kind", "rows", "columns": {column: summary}}} for ``warehouse``."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")  # timestamptz text is then the same everywhere
        kinds = dict(
            con.execute(
                "select table_name, 'table' from duckdb_tables() where schema_name = 'main'"
                " union all select view_name, 'view' from duckdb_views() where schema_name = 'main'"
            ).fetchall()
        )
        result: dict[str, Any] = {}
        for table in relations(con):
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = 'main'"
                " and database_name = current_database() and table_name = ? order by column_index",
                [table],
            ).fetchall()
            (rows,) = con.execute(f"select count(*) from {_quoted(table)}").fetchone()  # type: ignore[misc]
            result[table] = {
                "kind": kinds[table],
                "rows": rows,
                "columns": {
                    name: _column_fingerprint(con, table, name, data_type)
                    for name, data_type in columns
                    if (table, name) not in RUN_SPECIFIC
                },
            }
        return result
    finally:
        con.close()


def _close(p: float | None, q: float | None) -> bool:
    if p is None or q is None:
        return p is None and q is None
    return math.isclose(p, q, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def compare(reference: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between two fingerprints of the same relations, or [] when none does."""
    found: list[str] = []
    for table in sorted(set(reference) & set(current)):
        ref, cur = reference[table], current[table]
        if ref["rows"] != cur["rows"]:
            found.append(f"{table}: {ref['rows']} rows before, {cur['rows']} now")
        if list(ref["columns"]) != list(cur["columns"]):
            had, has = list(ref["columns"]), list(cur["columns"])
            found.append(f"{table}: columns {had} before, {has} now")
            continue
        for column, before in ref["columns"].items():
            now = cur["columns"][column]
            where = f"{table}.{column}"
            if before["type"] != now["type"]:
                found.append(f"{where}: type {before['type']} before, {now['type']} now")
            if "md5" in before and before["md5"] != now.get("md5"):
                found.append(f"{where}: values differ (md5)")
            for key in ("nulls", "nans", "infs"):
                if key in before and before[key] != now.get(key):
                    found.append(f"{where}: {before[key]} {key} before, {now.get(key)} now")
            for key in ("sum", "sum_sq", "min", "max"):
                if key in before and not _close(before[key], now.get(key)):
                    found.append(f"{where}: {key} {before[key]!r} before, {now.get(key)!r} now")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--note", default="", help="where the warehouse came from")
    args = parser.parse_args(argv)
    if not args.warehouse.is_file():
        print(f"error: no warehouse file at {args.warehouse}", file=sys.stderr)
        return 2
    document = {"note": args.note, "tables": fingerprints(args.warehouse)}
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
