"""The dbt manifest Airflow renders the transform from, so parsing a DAG never runs dbt.

``python -m cryptopulse.warehouse.manifest`` (run by ``make setup`` whenever the dbt project
changes) parses the project and writes ``manifest.json`` next to it (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from cryptopulse.warehouse.dbt_runner import PROJECT_DIR

MANIFEST_PATH = PROJECT_DIR / "manifest" / "manifest.json"


def write_manifest(path: Path = MANIFEST_PATH) -> Path:
    """Parse the dbt project (no database needed) and write its manifest to ``path``."""
    from dbt.cli.main import dbtRunner

    from cryptopulse.warehouse.engines.duckdb import parse_environment

    with tempfile.TemporaryDirectory(prefix="cryptopulse-dbt-parse-") as work:
        # Parsed with the default target (DuckDB): parsing opens no database.
        for key, value in parse_environment(Path(work) / "parse.duckdb").items():
            os.environ.setdefault(key, value)
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        result = dbtRunner().invoke(
            [
                "parse",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(Path(work) / "target"),
                "--log-path",
                str(Path(work) / "logs"),
                "--vars",
                '{"lake_url": "/lake-is-given-at-run-time"}',
                "--quiet",
                "--no-version-check",
            ]
        )
        if not result.success:
            raise SystemExit(f"dbt parse failed: {result.exception}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Copied beside it, then renamed: a DAG being parsed meanwhile reads a whole file.
        staged = path.with_name(f".{path.name}.tmp")
        shutil.copyfile(Path(work) / "target" / "manifest.json", staged)
        staged.replace(path)
    return path


if __name__ == "__main__":
    written = write_manifest(Path(sys.argv[1]) if len(sys.argv) > 1 else MANIFEST_PATH)
    print(f"dbt manifest written to {written}")
