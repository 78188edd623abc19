"""The dashboard's parts without a demo: how it is started, the lake's health tables, the
data version, the docs server, and the CLI's one-line errors."""

from __future__ import annotations

import socket
import threading
import urllib.request
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from conftest import run_cli
from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.dashboard import health, launch, queries
from cryptopulse.serve.dashboard.source import NOTHING, data_version, locate
from cryptopulse.serve.docs_site import docs_server


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_streamlit_listens_on_loopback_headless_without_usage_statistics() -> None:
    command = launch.streamlit_command(8600)
    assert command[1:5] == ["-m", "streamlit", "run", str(launch.APP)]
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--server.port") == "8600"
    assert _option(command, "--server.headless") == "true"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    environment = launch.streamlit_environment(Settings(dashboard_cache_seconds=42))
    assert environment["CRYPTOPULSE_DASHBOARD_CACHE_SECONDS"] == "42.0"
    assert environment["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert environment["DO_NOT_TRACK"] == "1"


def test_a_taken_port_is_one_clear_line(settings: Settings, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port} on 127.0.0.1 is in use"):
            launch.check_port_free(port, "CRYPTOPULSE_DASHBOARD_PORT")
        result = run_cli(["dashboard", "--port", str(port)], settings, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use (another dashboard?): stop it, or set "
        "CRYPTOPULSE_DASHBOARD_PORT (or --port) to a free port"
    ]


def test_docs_without_a_warehouse_say_what_to_run_and_create_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    result = run_cli(["docs", "--no-serve"], settings, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no warehouse at" in result.stderr and "cryptopulse transform" in result.stderr
    assert not settings.warehouse_path.exists()


def test_the_docs_server_serves_the_site_on_loopback_only(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no dbt docs"):
        docs_server(tmp_path, 0)
    (tmp_path / "index.html").write_text("<html>lineage</html>")
    server = docs_server(tmp_path, 0)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
            assert answer.read() == b"<html>lineage</html>"
    finally:
        server.shutdown()
        server.server_close()


def test_an_empty_lake_has_no_marts_and_no_run(settings: Settings) -> None:
    marts = locate(settings)
    assert marts.kind == NOTHING
    assert not settings.warehouse_path.exists()
    assert data_version(settings) == "no run"


def test_the_data_version_follows_the_last_run(settings: Settings) -> None:
    lake = Lake(settings.lake_url)
    lake.write_json(layout.LAST_RUN, {"run_id": "a", "finished_at": "2026-01-01T00:00:00"})
    first = data_version(settings)
    lake.write_json(layout.LAST_RUN, {"run_id": "b", "finished_at": "2026-01-02T00:00:00"})
    assert data_version(settings) != first
    assert "b" in data_version(settings)


def test_runs_count_rows_reasons_checks_and_stage_times() -> None:
    record = {
        "run_id": "20260102T030405Z-abcdef",
        "command": "run",
        "interval": "2026-01-01..2026-01-02",
        "status": "ok",
        "started_at": "2026-01-02T03:04:05+00:00",
        "stage_seconds": {"extract": 1.5, "transform": 10.0, "export": 0.5},
        "tests": {"passed": 77, "run": 78},
        "landings": [
            {"rows_landed": 10, "rows_quarantined": 3, "reasons": {"missing text": 2, "x": 1}},
            {"rows_landed": 5, "rows_quarantined": 2, "reasons": {"missing text": 2}},
        ],
    }
    table = health.runs([record])
    row = table.iloc[0]
    assert (row["landed"], row["quarantined"]) == (15, 5)
    assert row["why quarantined"] == "4 × missing text; 1 × x"
    assert row["checks"] == "77/78"
    assert row["total s"] == 12.0
    assert pd.isna(row["enrich s"])
    assert row["started"] == pd.Timestamp("2026-01-02 03:04:05")


def test_quarantine_causes_and_freshness_come_from_the_lake(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    reasons = ["likes must be >= 0 (got -3)", "missing text", "likes must be >= 0 (got -9)"]
    lake.write_parquet(
        layout.quarantine_file("demo", "posts", date(2026, 1, 1)),
        pa.table({"reason": reasons, "post_id": ["1", "2", "3"]}),
    )
    for day in (date(2026, 1, 1), date(2026, 1, 3)):
        lake.write_parquet(layout.raw_file("x", "posts", day), pa.table({"post_id": ["1"]}))
    causes = health.quarantine_causes(lake)
    assert causes.to_dict("records") == [
        {"source": "demo", "dataset": "posts", "cause": "likes must be >= 0", "rows": 2},
        {"source": "demo", "dataset": "posts", "cause": "missing text", "rows": 1},
    ]
    fresh = health.freshness(lake, today=date(2026, 1, 5)).to_dict("records")
    assert fresh == [
        {
            "source": "x",
            "dataset": "posts",
            "first day": date(2026, 1, 1),
            "last day": date(2026, 1, 3),
            "days behind": 2,
            "days landed": 2,
        }
    ]


def test_extremes_are_the_hours_past_the_threshold_largest_first() -> None:
    z = pd.DataFrame(
        {
            "hour_ts": pd.date_range("2026-01-01", periods=5, freq="h"),
            "weighted_sentiment": [0.0] * 5,
            "weighted_sentiment_zscore": [0.5, -3.5, 2.9, 3.0, None],
        }
    )
    found = queries.extremes(z, 3.0)
    assert list(found["weighted_sentiment_zscore"]) == [-3.5, 3.0]


def test_sql_literals_are_quoted() -> None:
    assert queries.text("o'hara") == "'o''hara'"
    assert queries.timestamp(datetime(2026, 1, 2, 3)) == "TIMESTAMP '2026-01-02 03:00:00'"
