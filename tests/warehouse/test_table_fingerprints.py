"""Every warehouse table of the small demo as it was before the speed work on the dbt models
(issue 16): the reference fingerprints came from commit 88ca7d8's build (see the JSON's note)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from cryptopulse.core.settings import Settings
from table_fingerprints import compare, fingerprints

REFERENCE = Path(__file__).parent / "data" / "small_demo_tables_before_speed_work.json"

# Relations meant to appear or disappear since the reference, each with its reason.
# Empty: the speed work and the dbt checks consolidation renamed, added and removed none.
ADDED: dict[str, str] = {}
REMOVED: dict[str, str] = {}


@pytest.mark.slow
def test_small_demo_tables_unchanged_since_before_speed_work(small_demo: Settings) -> None:
    reference = json.loads(REFERENCE.read_text())["tables"]
    current = fingerprints(small_demo.warehouse_path)
    assert sorted(set(current) - set(reference)) == sorted(ADDED)
    assert sorted(set(reference) - set(current)) == sorted(REMOVED)
    # The Python-computed Granger mart is in the warehouse too, not only dbt's models.
    assert "mart_sentiment_granger" in current
    assert compare(reference, current) == []


def _warehouse(path: Path, rows: Sequence[tuple[int, str | None, float | None, str]]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create table t (id integer, name varchar, x double, d decimal(38, 15))")
        con.executemany("insert into t values (?, ?, ?, ?)", rows)
        con.execute("create table t__dbt_tmp (id integer)")  # a leftover, never compared
    return path


def test_fingerprints_ignore_row_order_and_float_noise_but_not_changes(tmp_path: Path) -> None:
    rows = [(1, "a", 0.1, "1.5"), (2, None, 2.0, "-0.000000000000001"), (3, "c", None, "7")]
    before = fingerprints(_warehouse(tmp_path / "before.duckdb", rows))
    assert list(before) == ["t"]
    assert before["t"]["rows"] == 3

    shuffled = [rows[2], rows[0], (2, None, 2.0 * (1 + 1e-15), "-0.000000000000001")]
    assert compare(before, fingerprints(_warehouse(tmp_path / "same.duckdb", shuffled))) == []

    changed = [(1, "a", 0.1, "1.5"), (2, "b", 2.0, "-0.000000000000001"), (3, "c", 0.5, "7")]
    found = compare(before, fingerprints(_warehouse(tmp_path / "changed.duckdb", changed)))
    assert "t.name: values differ (md5)" in found
    assert "t.x: 1 nulls before, 0 now" in found
    assert any(line.startswith("t.x: sum ") for line in found)
    assert not any(line.startswith(("t.id", "t.d")) for line in found)
