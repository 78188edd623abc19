"""Comparing warehouse tables across engines and runs: equal row counts and content, floats
within a relative tolerance (engines add floats in different orders)."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

REL_TOL = 1e-9
ABS_TOL = 1e-12  # for values that are zero on one side and a rounding residue on the other


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_integer(kind)


def normalized(table: pa.Table, drop: tuple[str, ...] = ()) -> pa.Table:
    """Numbers as float64, columns by name, rows sorted (exact columns first, so a float's
    last bit never reorders rows)."""
    table = table.drop_columns([c for c in drop if c in table.column_names])
    columns = {}
    for name in sorted(table.column_names):
        column = table.column(name)
        columns[name] = pc.cast(column, pa.float64()) if _is_number(column.type) else column
    result = pa.table(columns)
    exact = [n for n in result.column_names if not pa.types.is_floating(result.column(n).type)]
    floats = [n for n in result.column_names if n not in exact]
    keys = [(n, "ascending") for n in exact + floats]
    return result.sort_by(keys) if keys else result


def differences(left: pa.Table, right: pa.Table, drop: tuple[str, ...] = ()) -> list[str]:
    """What differs between two tables, or [] when they are equal (floats within REL_TOL)."""
    a, b = normalized(left, drop), normalized(right, drop)
    if a.column_names != b.column_names:
        return [f"columns differ: {a.column_names} != {b.column_names}"]
    if a.num_rows != b.num_rows:
        return [f"row counts differ: {a.num_rows} != {b.num_rows}"]
    found = []
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if pa.types.is_floating(a.column(name).type):
            bad = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if not _close(p, q)]
        else:
            bad = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
        if bad:
            found.append(f"{name}: {len(bad)} rows differ, first {x[bad[0]]!r} != {y[bad[0]]!r}")
    return found


def _close(p: Any, q: Any) -> bool:
    if p is None or q is None:
        return p is None and q is None
    if math.isnan(p) or math.isnan(q):
        return math.isnan(p) and math.isnan(q)
    return math.isclose(p, q, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def assert_every_check_passed(report: Any, engine_label: str) -> None:
    """A whole small-demo run on one engine: ok, every check run and passed, posts loaded."""
    assert report.status == "ok"
    assert report.tests["run"] >= 78
    assert report.tests["passed"] == report.tests["run"]
    assert report.extra["warehouse_engine"] == engine_label
    assert report.table_rows["fct_posts"] > 50_000
