"""Backfills: merging a window before the history, or into a gap of it, leaves every warehouse
table exactly as one clean build of the same lake (row counts and content, not lineage).

The history is built from a later period first; each later window is then merged as
`cryptopulse run` merges it, and the warehouse compared with a fresh build from the lake.
The hourly social mart is where this is hard: its spine runs from each coin's first to last
observed hour, and each hour's z-score looks back a week, so a window before the history
reaches far past its own days.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from airflow_harness import table_fingerprints
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import layout, open_lake
from cryptopulse.orchestrate import pipeline

pytestmark = pytest.mark.slow

POSTS_PER_DAY = 50  # few posts: the spine and the look-backs matter here, not the volume
COINS = 30  # the demo's coin list; every coin has a price every hour
HISTORY = Interval(date(2024, 6, 20), date(2024, 6, 22))
Fingerprints = dict[str, list[Any]]  # table -> [rows, content hash]; see table_fingerprints

STEPS = {
    # a day two and a half weeks before the history: the spine grows back to it, and the
    # history's first week of z-scores gains its look-back
    "before": Interval(date(2024, 6, 1), date(2024, 6, 2)),
    # a day inside the gap left between them: its own hours, and the week after it
    "gap": Interval(date(2024, 6, 10), date(2024, 6, 11)),
    # a day two days past the history's end: the spine grows on over the gap to it
    "after_gap": Interval(date(2024, 6, 24), date(2024, 6, 25)),
}


def _settings(lake: Path, warehouse_dir: Path) -> Settings:
    return Settings(
        lake_url=str(lake),
        warehouse_url=str(warehouse_dir / "warehouse.duckdb"),
        demo_posts_per_day=POSTS_PER_DAY,
    )


def _merge(settings: Settings, window: Interval) -> None:
    """What `cryptopulse run --start --end` does to the warehouse (no export)."""
    pipeline.run(settings, window, steps=("extract", "enrich", "transform"))


def _clean_build(lake: Path, work: Path) -> Fingerprints:
    """Every table built from scratch from the whole lake, in a fresh warehouse (models
    only: the checks change no row, and the merges above ran them)."""
    clean = _settings(lake, work)
    pipeline.transform(clean, command="run")
    return table_fingerprints(clean.warehouse_url)


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Fingerprints, Fingerprints]]:
    """Per step: (the warehouse after merging its window, a clean build of the same lake)."""
    root = tmp_path_factory.mktemp("backfill")
    lake = root / "lake"
    settings = _settings(lake, root / "incremental")
    _merge(settings, HISTORY)
    results: dict[str, tuple[Fingerprints, Fingerprints]] = {}
    for name, window in STEPS.items():
        _merge(settings, window)
        results[name] = (
            table_fingerprints(settings.warehouse_url),
            _clean_build(lake, root / f"clean-{name}"),
        )
    return results


def _differences(incremental: Fingerprints, clean: Fingerprints) -> dict[str, tuple[Any, Any]]:
    return {
        table: (incremental.get(table), clean.get(table))
        for table in sorted(set(incremental) | set(clean))
        if incremental.get(table) != clean.get(table)
    }


@pytest.mark.parametrize("step", list(STEPS))
def test_merging_a_window_equals_a_clean_build(
    steps: dict[str, tuple[Fingerprints, Fingerprints]], step: str
) -> None:
    incremental, clean = steps[step]
    assert _differences(incremental, clean) == {}


def test_the_social_mart_spans_every_hour_from_first_to_last(
    steps: dict[str, tuple[Fingerprints, Fingerprints]],
) -> None:
    first, last = STEPS["before"].start, STEPS["after_gap"].end
    hours = (last - first).days * 24
    incremental, _ = steps["after_gap"]
    assert incremental["mart_coin_social_hourly"][0] == COINS * hours


def test_a_day_re_landed_with_fewer_records_loses_them(tmp_path: Path) -> None:
    """A source returns less for a day it returned before (posts deleted, a corrected file):
    merging the day again leaves no row the lake no longer holds, as a clean build."""
    lake = tmp_path / "lake"
    settings = _settings(lake, tmp_path / "incremental")
    day = Interval(date(2024, 6, 20), date(2024, 6, 21))
    _merge(settings, day)
    store = open_lake(settings)
    for dataset in ("posts", "coin_hourly"):
        rel = layout.raw_file("demo", dataset, day.start)
        table = store.read_parquet(rel)
        store.write_parquet(rel, table.slice(0, table.num_rows // 2))
    pipeline.run(settings, day, steps=("enrich", "transform"))
    incremental = table_fingerprints(settings.warehouse_url)
    assert _differences(incremental, _clean_build(lake, tmp_path / "clean")) == {}
    assert incremental["fct_posts"][0] < POSTS_PER_DAY
