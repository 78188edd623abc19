"""A folder rewritten as a whole and swapped in; temporary files of interrupted writes found
and removed only when older than every running run."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pytest

from cryptopulse.lake import Lake, debris, integrity


def test_a_folder_is_swapped_in_whole_keeping_the_named_files(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    lake.write_parquet("marts/t.parquet/t_2024-01.parquet", pa.table({"x": [1]}))
    lake.write_parquet("marts/t.parquet/t_2024-02.parquet", pa.table({"x": [2]}))
    with lake.folder_atomic("marts/t.parquet", keep=["t_2024-01.parquet"]) as aside:
        lake.write_parquet(f"{aside}/t_2024-03.parquet", pa.table({"x": [3]}))
        # Until the block ends, readers see the old folder, whole.
        assert lake.glob("marts/t.parquet/*.parquet") == [
            "marts/t.parquet/t_2024-01.parquet",
            "marts/t.parquet/t_2024-02.parquet",
        ]
    assert lake.glob("marts/t.parquet/*.parquet") == [
        "marts/t.parquet/t_2024-01.parquet",
        "marts/t.parquet/t_2024-03.parquet",
    ]
    assert debris.leftovers(lake) == []


def test_a_failed_folder_rewrite_leaves_the_old_folder_and_nothing_else(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    lake.write_parquet("marts/t.parquet/t_2024-01.parquet", pa.table({"x": [1]}))
    with pytest.raises(RuntimeError), lake.folder_atomic("marts/t.parquet", keep=[]) as aside:
        lake.write_parquet(f"{aside}/t_2024-02.parquet", pa.table({"x": [2]}))
        raise RuntimeError("killed")
    assert lake.glob("marts/t.parquet/*.parquet") == ["marts/t.parquet/t_2024-01.parquet"]
    assert debris.leftovers(lake) == []


def test_only_leftovers_older_than_every_running_run_are_removed(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    old = tmp_path / "lake" / "raw" / "s" / f".a.parquet.tmp-{'1' * 32}"
    new = tmp_path / "lake" / "quarantine" / f".b.parquet.tmp-{'2' * 32}"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"half")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert [item.rel for item in debris.leftovers(lake)] == [
        "quarantine/.b.parquet.tmp-" + "2" * 32,
        "raw/s/.a.parquet.tmp-" + "1" * 32,
    ]
    with debris.lake_lock(lake):
        removed = debris.remove_leftovers(lake, older_than=time.time() - 60)
    assert [item.rel for item in removed] == ["raw/s/.a.parquet.tmp-" + "1" * 32]
    assert new.exists() and not old.exists()


def test_a_damaged_file_is_named_with_its_day_and_the_command_to_reland_it(
    tmp_path: Path,
) -> None:
    lake = Lake(str(tmp_path / "lake"))
    rel = "raw/demo/posts/date=2024-12-19/demo_posts_2024-12-19.parquet"
    lake.write_parquet(rel, pa.table({"x": list(range(100))}))
    path = Path(lake.path(rel))
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(integrity.CorruptLakeFile) as caught:
        integrity.require_readable(lake, [rel])
    message = str(caught.value)
    assert lake.uri(rel) in message
    assert "cryptopulse run --start 2024-12-19 --end 2024-12-20" in message
    assert "magic bytes not found in footer" in message
