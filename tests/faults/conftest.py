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

REPORT_ENV = "CRYPTOPULSE_FAULT_REPORT"
# Read once, at collection: the autouse fixture in tests/conftest.py removes every
# CRYPTOPULSE_* variable from the environment before each test runs.
REPORT_FILE = os.environ.get(REPORT_ENV)


@pytest.fixture
def fault_record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``fault_record(area=, fault=, user_sees=, rerun=)``: one row of the reliability table.

    ``user_sees`` is what the user actually saw (the clear line the test asserted on, taken
    from the captured output, not a paraphrase); ``rerun`` what the rerun gave, in words the
    test asserted (e.g. "warehouse equal to an uninterrupted run; no temp files"). A no-op
    unless CRYPTOPULSE_FAULT_REPORT names a file (JSON lines are appended to it).
    """

    def record(*, area: str, fault: str, user_sees: str, rerun: str) -> None:
        target = REPORT_FILE
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
