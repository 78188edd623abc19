"""Conform loosely typed records to a raw dataset schema; quarantine what does not fit.

Every input row ends up either in ``valid`` (typed exactly as the dataset schema) or in
``rejected`` (every original value kept as text, plus the reasons it was refused), so
nothing is silently lost: ``len(valid) + len(rejected) == len(input)``.

The fast path is columnar (whole-column casts and checks); only a column that fails to
cast is walked value by value to find which rows are at fault.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.core.batch import Reject
from cryptopulse.core.datasets import Dataset
from cryptopulse.lake.cast import cast_column, preview, python_values

__all__ = ["REASON", "Conformed", "cast_column", "conform", "with_rejects"]

REASON = "reason"
# Clocks drift and sources round up; only timestamps beyond this margin count as future.
# The warehouse's not_in_future checks (future_tolerance_minutes in
# warehouse/dbt/macros/checks.sql) must allow the same margin, or rows landed here fail the
# checks later; tests/warehouse/test_warehouse_models.py checks that the two agree.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Conformed:
    valid: pa.Table
    rejected: pa.Table  # all columns as strings, plus REASON
    reasons: Counter[str]  # reason (without the offending value) -> rows

    @property
    def rows_in(self) -> int:
        return self.valid.num_rows + self.rejected.num_rows


def conform(records: pa.Table, dataset: Dataset, now: datetime | None = None) -> Conformed:
    """Split ``records`` into rows that fit ``dataset`` and rows quarantined with a reason."""
    now = now or datetime.now(UTC)
    n = records.num_rows
    problems: list[pa.Array] = []  # one nullable string array per check
    columns: list[pa.Array] = []
    for field in dataset.schema:
        if field.name in records.column_names:
            raw = records.column(field.name).combine_chunks()
            typed, errors = cast_column(raw, field.type, field.name)
            if errors is not None:
                problems.append(errors)
        else:
            typed, errors = pa.nulls(n, field.type), None
        columns.append(typed)
        problems.extend(_checks(typed, errors, field.name, dataset, now))
    table = pa.Table.from_arrays(columns, schema=dataset.schema)

    reason = _join_reasons(problems, n)
    bad = pc.is_valid(reason)
    reason = _mark_duplicates(table, dataset, bad, reason)
    bad = pc.is_valid(reason)

    valid = table.filter(pc.invert(bad))
    rejected = _rejected_rows(records, bad, reason)
    counts = Counter(reason_kind(r) for r in rejected.column(REASON).to_pylist())
    return Conformed(valid=valid, rejected=rejected, reasons=counts)


def with_rejects(result: Conformed, rejects: Sequence[Reject]) -> Conformed:
    """``result`` plus records the source could not read at all, quarantined beside the
    rows conforming refused (their original text in ``raw``)."""
    if not rejects:
        return result
    unread = pa.table(
        {
            REASON: pa.array([r.reason for r in rejects], pa.string()),
            "raw": pa.array([r.raw for r in rejects], pa.string()),
        }
    )
    rejected = pa.concat_tables([result.rejected, unread], promote_options="permissive")
    reasons = result.reasons + Counter(reason_kind(r.reason) for r in rejects)
    return Conformed(valid=result.valid, rejected=rejected, reasons=reasons)


# ---- checks ------------------------------------------------------------------------------
def _checks(
    column: pa.Array, cast_errors: pa.Array | None, name: str, dataset: Dataset, now: datetime
) -> list[pa.Array]:
    out: list[pa.Array] = []
    if name in dataset.required:
        missing = pc.is_null(column)
        if cast_errors is not None:  # unparseable is reported as such, not as missing too
            missing = pc.and_(missing, pc.is_null(cast_errors))
        if pa.types.is_string(column.type):
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), False)
            missing = pc.or_(missing, blank)
        out.append(_flag(missing, f"missing {name}"))
    if pa.types.is_floating(column.type):
        finite = pc.is_finite(column)
        out.append(_flag(pc.invert(pc.fill_null(finite, True)), f"{name} is not a finite number"))
    if name in dataset.ranges:
        rng = dataset.ranges[name]
        # NaN and infinities are reported by the finiteness check, not as out of range.
        finite_or_null = (
            pc.fill_null(pc.is_finite(column), True) if pa.types.is_floating(column.type) else None
        )
        if rng.min is not None:
            ok = (
                pc.greater_equal(column, rng.min)
                if rng.min_inclusive
                else pc.greater(column, rng.min)
            )
            word = ">=" if rng.min_inclusive else ">"
            if finite_or_null is not None:
                ok = pc.or_(ok, pc.invert(finite_or_null))
            out.append(_flag_with_value(ok, column, f"{name} must be {word} {_num(rng.min)}"))
        if rng.max is not None:
            ok = pc.less_equal(column, rng.max)
            if finite_or_null is not None:
                ok = pc.or_(ok, pc.invert(finite_or_null))
            out.append(_flag_with_value(ok, column, f"{name} must be <= {_num(rng.max)}"))
    if name in dataset.max_chars:
        limit = dataset.max_chars[name]
        too_long = pc.greater(pc.utf8_length(column), limit)
        out.append(_flag(pc.fill_null(too_long, False), f"{name} longer than {limit} characters"))
    if name in dataset.not_future:
        horizon = pa.scalar(now + FUTURE_TOLERANCE, type=column.type)
        future = pc.fill_null(pc.greater(column, horizon), False)
        out.append(_flag(future, f"{name} in the future"))
    return out


def _flag(mask: pa.Array, message: str) -> pa.Array:
    return pc.if_else(mask, message, pa.scalar(None, pa.string()))


def _flag_with_value(ok: pa.Array, column: pa.Array, message: str) -> pa.Array:
    """Rows where ``ok`` is false get ``message (got <value>)``; nulls pass (checked apart)."""
    failing = pc.invert(pc.fill_null(ok, True))
    shown = pc.binary_join_element_wise(f"{message} (got ", pc.cast(column, pa.string()), ")", "")
    return pc.if_else(failing, shown, pa.scalar(None, pa.string()))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _join_reasons(problems: list[pa.Array], n: int) -> pa.Array:
    """Join each row's non-null messages with "; "; null where a row has none."""
    if not problems:
        return pa.nulls(n, pa.string())
    # pyarrow 26's binary_join_element_wise(null_handling="skip") drops all-null rows, so
    # join with a unit separator and squeeze the gaps instead.
    unit = "\x1f"
    filled = [pc.fill_null(p, "") for p in problems]
    joined = pc.binary_join_element_wise(*filled, unit)
    joined = pc.utf8_trim(pc.replace_substring_regex(joined, unit + "+", unit), unit)
    joined = pc.replace_substring(joined, unit, "; ")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def _mark_duplicates(
    table: pa.Table, dataset: Dataset, bad: pa.Array, reason: pa.Array
) -> pa.Array:
    """Later rows repeating an earlier good row's natural key are duplicates."""
    n = table.num_rows
    if n == 0:
        return reason
    indexed = table.select(list(dataset.key)).append_column("_row", pa.array(range(n)))
    good = indexed.filter(pc.invert(bad))
    if good.num_rows == 0:
        return reason
    first = good.group_by(list(dataset.key), use_threads=False).aggregate([("_row", "min")])
    keep = pc.is_in(pa.array(range(n)), value_set=first.column("_row_min"))
    duplicate = pc.and_(pc.invert(keep), pc.invert(bad))
    message = f"duplicate key ({', '.join(dataset.key)})"
    return pc.if_else(duplicate, message, reason)


# ---- quarantine rows ---------------------------------------------------------------------
def _rejected_rows(records: pa.Table, bad: pa.Array, reason: pa.Array) -> pa.Table:
    """The refused rows, every original column rendered as text, with their reasons."""
    subset = records.filter(bad)
    arrays: dict[str, pa.Array] = {REASON: reason.filter(bad)}
    for name in subset.column_names:
        arrays[name] = pa.array(
            [None if v is None else preview(v, limit=None) for v in python_values(subset[name])],
            type=pa.string(),
        )
    return pa.table(arrays)


def reason_kind(reason: str) -> str:
    """A reason without the offending values, for counting ("price must be > 0")."""
    parts = [p.split(" (got ")[0].split(": ")[0] for p in reason.split("; ")]
    return "; ".join(parts)
