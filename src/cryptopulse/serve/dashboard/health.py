"""The pipeline's health from the lake: the last runs, freshness per source, quarantine.

Run records (``state/runs/<id>.json``), raw partitions and quarantined rows are the lake's
own, so this page works whatever warehouse there is, or none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from cryptopulse.core.datasets import DATASETS
from cryptopulse.lake import Lake, layout
from cryptopulse.lake.conform import reason_kind

RUNS_SHOWN = 30
STAGES = ("extract", "enrich", "transform", "export")


def run_records(lake: Lake, limit: int = RUNS_SHOWN) -> list[dict[str, Any]]:
    """The newest ``limit`` run records, newest first (run ids start with their UTC time)."""
    records = []
    for rel in reversed(lake.glob(layout.run_record("*"))):
        try:
            record = lake.read_json(rel)
        except ValueError:  # a record being written; the next refresh reads it
            continue
        if isinstance(record, dict):
            records.append(record)
        if len(records) >= limit:
            break
    return records


def _reasons(landings: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for landing in landings:
        for reason, rows in (landing.get("reasons") or {}).items():
            counts[reason] = counts.get(reason, 0) + int(rows)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "; ".join(f"{rows:,} × {reason}" for reason, rows in ordered)


def runs(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: when, window, status, rows landed and quarantined (with the
    reasons), checks passed, and seconds per stage."""
    rows = []
    for record in records:
        landings = record.get("landings") or []
        tests = record.get("tests") or {}
        stages = record.get("stage_seconds") or {}
        row: dict[str, Any] = {
            "started": _time(record.get("started_at")),
            "command": record.get("command"),
            "window": record.get("interval") or "all",
            "status": record.get("status"),
            "landed": sum(int(item.get("rows_landed", 0)) for item in landings),
            "quarantined": sum(int(item.get("rows_quarantined", 0)) for item in landings),
            "why quarantined": _reasons(landings),
            "checks": f"{tests['passed']}/{tests['run']}" if tests.get("run") else "-",
        }
        for name in STAGES:
            row[f"{name} s"] = stages.get(name)
        row["total s"] = round(sum(float(v) for v in stages.values()), 2) if stages else None
        row["error"] = record.get("error") or ""
        row["run id"] = record.get("run_id")
        rows.append(row)
    columns = [
        "started",
        "command",
        "window",
        "status",
        "landed",
        "quarantined",
        "why quarantined",
        "checks",
        *(f"{name} s" for name in STAGES),
        "total s",
        "error",
        "run id",
    ]
    return pd.DataFrame(rows, columns=columns)


def _time(value: Any) -> pd.Timestamp | None:
    if not value:
        return None
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None)


def freshness(lake: Lake, today: date | None = None) -> pd.DataFrame:
    """Per source and dataset: the last UTC day landed in the lake's raw zone, days since,
    and the day partitions it has."""
    today = today or datetime.now(UTC).date()
    rows = []
    for dataset in DATASETS:
        by_source: dict[str, list[str]] = {}
        for rel in lake.glob(layout.dataset_glob(layout.RAW, dataset)):
            parts = rel.split("/")
            by_source.setdefault(parts[1], []).append(parts[3].removeprefix("date="))
        for source, days in sorted(by_source.items()):
            last = date.fromisoformat(max(days))
            rows.append(
                {
                    "source": source,
                    "dataset": dataset,
                    "first day": date.fromisoformat(min(days)),
                    "last day": last,
                    "days behind": (today - last).days,
                    "days landed": len(set(days)),
                }
            )
    columns = ["source", "dataset", "first day", "last day", "days behind", "days landed"]
    return pd.DataFrame(rows, columns=columns)


def quarantine_causes(lake: Lake) -> pd.DataFrame:
    """Quarantined rows in the lake by source, dataset and cause (the reason without the
    offending value), the largest first."""
    counts: dict[tuple[str, str, str], int] = {}
    for dataset in DATASETS:
        for rel in lake.glob(layout.dataset_glob(layout.QUARANTINE, dataset)):
            source = rel.split("/")[1]
            with lake.fs.open(lake.path(rel), "rb") as handle:
                reasons = pq.read_table(handle, columns=["reason"]).column("reason")
            for reason in reasons.to_pylist():
                key = (source, dataset, reason_kind(reason or "unknown"))
                counts[key] = counts.get(key, 0) + 1
    rows = [
        {"source": s, "dataset": d, "cause": cause, "rows": n}
        for (s, d, cause), n in counts.items()
    ]
    table = pd.DataFrame(rows, columns=["source", "dataset", "cause", "rows"])
    return table.sort_values(["rows", "cause"], ascending=[False, True]).reset_index(drop=True)
