"""The fault-injection suite's shared parts.

Each fault test runs the real CLI through a fault, checks the invariants (one clear line, no
traceback, nothing lost, the rerun equal to an uninterrupted run) and records what it saw with
``fault_record``. ``benchmarks/fault_report.py`` runs this suite with CRYPTOPULSE_FAULT_REPORT
set and turns the records into docs/reliability.md's table, so the table is measured, not
written by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cryptopulse.core.settings import Settings

REPORT_ENV = "CRYPTOPULSE_FAULT_REPORT"
# Read once, at collection: the autouse fixture in tests/conftest.py removes every
# CRYPTOPULSE_* variable from the environment before each test.
REPORT_TARGET = os.environ.get(REPORT_ENV)


@pytest.fixture
def fault_record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``fault_record(area=, fault=, user_sees=, rerun=)``: one row of the reliability table.

    ``user_sees`` is what the user actually saw (the clear line the test asserted on, taken
    from the captured output, not a paraphrase); ``rerun`` what the rerun gave, in words the
    test asserted (e.g. "warehouse equal to an uninterrupted run; no temp files"). A no-op
    unless CRYPTOPULSE_FAULT_REPORT names a file (JSON lines are appended to it).
    """

    def record(*, area: str, fault: str, user_sees: str, rerun: str) -> None:
        target = os.environ.get(REPORT_ENV) or REPORT_TARGET
        if not target:
            return
        row = {
            "area": area,
            "fault": fault,
            "user_sees": " ".join(user_sees.split())[:300],
            "rerun": rerun,
            "test": request.node.nodeid,
        }
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    return record


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The small pipeline run once without a fault: what every rerun must equal."""
    from faults.pipeline import WINDOW, run, settings_in

    work = tmp_path_factory.mktemp("reference")
    settings = settings_in(work)
    done = run(["run", *WINDOW], settings, work)
    assert done.returncode == 0, done.stdout + done.stderr
    return settings
