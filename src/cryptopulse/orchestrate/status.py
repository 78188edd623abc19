"""What ``cryptopulse status`` shows: what is in the lake and the warehouse, and the last run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from cryptopulse.core.datasets import DATASETS
from cryptopulse.core.server_url import mask_password
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, debris, integrity, layout, open_lake
from cryptopulse.lake.integrity import Unreadable
from cryptopulse.orchestrate import pipeline, run_state
from cryptopulse.warehouse.read import describe, table_rows
from cryptopulse.warehouse.read import leftovers as warehouse_leftovers


@dataclass(frozen=True)
class LakePart:
    """One group of lake files: a source's dataset in a zone, an enrichment, or a mart."""

    zone: str
    source: str  # "-" where the zone has no sources (enrich, marts)
    dataset: str
    files: int
    first_day: str | None  # None for files not partitioned by day (marts)
    last_day: str | None
    rows: int


@dataclass(frozen=True)
class Status:
    lake: str
    parts: list[LakePart]
    warehouse: str
    table_rows: dict[str, int]  # empty when there is no warehouse yet
    last_run: dict[str, Any] | None
    # How the last run ended, in words: its status, or "interrupted (process gone)" for a
    # run killed outright (its record still says running, and its process has ended).
    last_outcome: str | None = None
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, what to do)
    leftovers: list[str] = field(default_factory=list)  # what interrupted runs left, explained


def status(settings: Settings) -> Status:
    """Read the lake's partitions, the warehouse's row counts and the last run record;
    files that cannot be read are listed, not fatal."""
    lake = open_lake(settings)
    bad: list[Unreadable] = []
    parts = lake_parts(lake, bad)
    try:
        last = pipeline.last_run(settings)
    except (OSError, ValueError) as exc:
        bad.append(Unreadable(layout.LAST_RUN, str(exc)))
        last = None
    return Status(
        lake=mask_password(lake.uri()),  # shown: never a secret
        parts=parts,
        warehouse=mask_password(describe(settings)),
        table_rows=table_rows(settings),
        last_run=last,
        last_outcome=outcome(last) if last else None,
        unreadable=[(lake.uri(item.rel), integrity.remedy(item.rel)) for item in bad],
        leftovers=[_explain_leftover(lake, item) for item in debris.leftovers(lake)]
        + warehouse_leftovers(settings),
    )


def outcome(record: dict[str, Any]) -> str:
    """How the run of ``record`` ended, or that it is still running."""
    state = str(record.get("status"))
    if state != "running":
        return state
    gone = run_state.process_gone(record)
    where = f" during {record['stage']}" if record.get("stage") else ""
    if gone is True:
        return f"interrupted{where} (process gone)"
    if gone is False:
        return f"running{where} (pid {record.get('pid')})"
    return f"running{where} (on {record.get('host', 'another host')}: not checked from here)"


def _explain_leftover(lake: Lake, item: debris.Leftover) -> str:
    return (
        f"{lake.uri(item.rel)} ({item.bytes:,} bytes): a temporary file of an interrupted "
        "write; the next run removes it"
    )


def lake_parts(lake: Lake, unreadable: list[Unreadable] | None = None) -> list[LakePart]:
    """Day-partitioned files, <zone>/<a>/<b>/date=YYYY-MM-DD/<file>: raw and quarantine by
    source and dataset, enrich by kind and version; then the marts. Files that cannot be
    read are left out of the counts and added to ``unreadable``."""
    parts: list[LakePart] = []
    bad = [] if unreadable is None else unreadable
    for zone in (layout.RAW, layout.QUARANTINE):
        for dataset in DATASETS:
            by_source = _group(lake.glob(layout.dataset_glob(zone, dataset)), 1)
            for source, rels in sorted(by_source.items()):
                parts.append(_day_part(lake, rels, zone, source, dataset, bad))
    for (kind, version), rels in sorted(_group(lake.glob(layout.enrich_glob()), 1, 2).items()):
        parts.append(_day_part(lake, rels, layout.ENRICH, "-", f"{kind} ({version})", bad))
    for rel in lake.glob(f"{layout.MARTS}/*.parquet"):
        files = lake.glob(f"{rel}/*.parquet") or [rel]  # a large table is a folder of months
        name = rel.split("/")[-1]
        rows = _rows(lake, files, bad)
        parts.append(LakePart(layout.MARTS, "-", name, len(files), None, None, rows))
    return parts


def _rows(lake: Lake, rels: list[str], unreadable: list[Unreadable]) -> int:
    """Rows in ``rels`` from their footers; the unreadable ones are added to ``unreadable``
    and not counted (a file by file look only when the fast count fails)."""
    try:
        return lake.count_rows(rels)
    except (OSError, pa.ArrowException):
        bad = integrity.unreadable(lake, rels)
        unreadable.extend(bad)
        names = {item.rel for item in bad}
        return lake.count_rows([rel for rel in rels if rel not in names])


def _group(rels: list[str], *parts: int) -> dict[Any, list[str]]:
    """Lake paths grouped by the path components at ``parts`` (one: its value; several: a
    tuple of them)."""
    groups: dict[Any, list[str]] = {}
    for rel in rels:
        pieces = rel.split("/")
        key = pieces[parts[0]] if len(parts) == 1 else tuple(pieces[i] for i in parts)
        groups.setdefault(key, []).append(rel)
    return groups


def _day_part(
    lake: Lake,
    rels: list[str],
    zone: str,
    source: str,
    dataset: str,
    unreadable: list[Unreadable],
) -> LakePart:
    """Files, first and last day, rows of day-partitioned files (date= 4th component)."""
    days = sorted(rel.split("/")[3].removeprefix("date=") for rel in rels)
    rows = _rows(lake, rels, unreadable)
    return LakePart(zone, source, dataset, len(rels), days[0], days[-1], rows)


def move_unreadable(settings: Settings) -> list[tuple[str, str]]:
    """Move every lake file ``status`` finds unreadable aside, into quarantine/unreadable/
    (kept for a look, out of every reader's way); returns (from, to) lake URLs."""
    lake = open_lake(settings)
    bad: list[Unreadable] = []
    with debris.lake_lock(lake):  # not while a run starting up looks at the lake
        lake_parts(lake, bad)
        if lake.exists(layout.LAST_RUN):
            try:
                lake.read_json(layout.LAST_RUN)
            except ValueError as exc:
                bad.append(Unreadable(layout.LAST_RUN, str(exc)))
        return [
            (lake.uri(item.rel), lake.uri(integrity.move_aside(lake, item.rel))) for item in bad
        ]
