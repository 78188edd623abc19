"""A full file system under the lake, under the warehouse, and under both (a small tmpfs):
one line naming the stage and the path, never dbt's log tracebacks; the run is recorded as
failed where the disk allows it, else the line says where its record could not go; with
space again, a rerun equals an uninterrupted run.

Mounting needs root (as in CI); the tests skip, saying so, where mount is not permitted."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import layout
from faults.pipeline import WINDOW, differences_between, error_lines, run, temp_files

pytestmark = pytest.mark.slow


class Tmpfs:
    """A tmpfs mounted at ``path``; ``resize`` gives it more room (a user freeing space)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mount(self, size: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")

    def resize(self, size: str) -> None:
        subprocess.run(
            ["mount", "-o", f"remount,size={size}", str(self.path)], check=True, capture_output=True
        )

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Tmpfs]:
    disk = Tmpfs(tmp_path / "small-disk")
    yield disk
    disk.unmount()


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "Logging error" not in stderr, stderr[:2000]
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr[:2000]
    return " ".join(lines)


@pytest.mark.parametrize(
    ("full", "size", "stage", "setting"),
    [
        ("lake", "160k", "extract", "CRYPTOPULSE_LAKE_URL"),
        ("warehouse", "3m", "transform", "CRYPTOPULSE_WAREHOUSE_URL"),
        ("both", "900k", "", ""),
    ],
)
def test_a_full_disk_is_one_line_naming_the_stage_and_path(
    full: str,
    size: str,
    stage: str,
    setting: str,
    tmp_path: Path,
    tmpfs: Tmpfs,
    reference: Settings,
    fault_record: Callable[..., None],
) -> None:
    tmpfs.mount(size)
    lake = tmpfs.path / "lake" if full in ("lake", "both") else tmp_path / "lake"
    warehouse = tmpfs.path / "wh" if full in ("warehouse", "both") else tmp_path / "wh"
    settings = Settings(lake_url=str(lake), warehouse_url=str(warehouse / "wh.duckdb"))

    done = run(["run", *WINDOW], settings, tmp_path)
    assert done.returncode == 1, done.stdout[-2000:]
    line = _one_line(done.stderr)
    assert "No space left on device" in line and "stopped" in line
    assert str(tmpfs.path) in line
    if stage:
        assert f"{stage} stopped" in line
        assert setting in line
    record_file = lake / layout.LAST_RUN
    if record_file.exists():  # where the disk allowed it: the run is on record as failed
        record = json.loads(record_file.read_text())
        assert record["status"] == "failed" and "no space left" in record["error"].lower()
    else:  # and where it did not, the line says where the record could not go
        assert "record could not be written" in line

    tmpfs.resize("300m")  # the user frees space, then runs the same command again
    again = run(["run", *WINDOW], settings, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert differences_between(settings, reference) == []
    assert temp_files(lake, warehouse) == []
    fault_record(
        area="full disk",
        fault=f"a full file system under the {'lake and warehouse' if full == 'both' else full}",
        user_sees=line,
        rerun="with space again, the same command gives a pipeline equal to an uninterrupted "
        "run; no temp files",
    )
