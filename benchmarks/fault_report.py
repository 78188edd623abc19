"""The reliability table, measured: run the fault-injection suite and tabulate what it saw.

Runs ``pytest tests/faults`` (slow tests included) with CRYPTOPULSE_FAULT_REPORT naming a
temporary file; each fault test appends one row (``fault_record`` in tests/faults/conftest.py)
with what the user saw, taken from the captured output, and what the rerun gave. Prints
the rows as a markdown table grouped by area; ``--write`` puts it in docs/reliability.md
between its markers. A failing suite writes nothing and exits 1: the table is only ever
what passing tests measured.

    .venv/bin/python benchmarks/fault_report.py --write
    .venv/bin/python benchmarks/fault_report.py -k concurrency   # a part, printed only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
BEGIN = "<!-- fault-table:begin (benchmarks/fault_report.py --write) -->"
END = "<!-- fault-table:end -->"
REPORT_ENV = "CRYPTOPULSE_FAULT_REPORT"


def run_suite(records: Path, pytest_args: list[str]) -> int:
    """pytest over tests/faults with the records file set; its exit code."""
    env = {**os.environ, REPORT_ENV: str(records)}
    command = [sys.executable, "-m", "pytest", "tests/faults", "-q", "-p", "no:cacheprovider"]
    return subprocess.call([*command, *pytest_args], cwd=ROOT, env=env)


def read_rows(records: Path) -> list[dict[str, str]]:
    if not records.exists():
        return []
    lines = records.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(rows: Iterable[dict[str, str]]) -> str:
    """Markdown: a heading per area (in order of first appearance), rows sorted by test."""
    by_area: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_area.setdefault(row["area"], []).append(row)
    parts: list[str] = []
    for area, items in by_area.items():
        parts += [
            f"### {area}",
            "",
            "| fault | what the user sees | what the rerun gives | test |",
            "|---|---|---|---|",
        ]
        for row in sorted(items, key=lambda r: (r["test"], r["fault"])):
            test = row["test"].split("::", 1)
            where = f"`{test[0].removeprefix('tests/faults/')}::{test[-1]}`"
            parts.append(
                f"| {_cell(row['fault'])} | `{_cell(row['user_sees'])}` | "
                f"{_cell(row['rerun'])} | {where} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def stamp() -> str:
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}."
    )


def write_doc(text: str) -> None:
    """Replace what is between the markers of docs/reliability.md with ``text``."""
    doc = DOC.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{DOC}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the table in {DOC}")
    parser.add_argument(
        "--records", type=Path, help="tabulate these records (JSON lines) without running"
    )
    args, pytest_args = parser.parse_known_args()
    if args.records is not None:
        rows, code = read_rows(args.records), 0
    else:
        with tempfile.TemporaryDirectory() as work:
            records = Path(work) / "faults.jsonl"
            code = run_suite(records, pytest_args)
            rows = read_rows(records)
    text = f"{stamp()} {len(rows)} faults.\n\n{table(rows)}"
    print(text)
    if code != 0:
        print(f"the fault suite failed (pytest exit {code}): nothing written", file=sys.stderr)
        return 1
    if not rows:
        print(f"no fault was recorded ({REPORT_ENV} did not reach the tests)", file=sys.stderr)
        return 1
    if args.write:
        if pytest_args:
            print("--write takes the whole suite: no pytest arguments", file=sys.stderr)
            return 2
        write_doc(text)
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
