"""What ``cryptopulse status`` shows: what is in the lake and the warehouse, and the last run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptopulse.core.datasets import DATASETS
from cryptopulse.core.server_url import mask_password
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout, open_lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.warehouse.read import describe, table_rows


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


def status(settings: Settings) -> Status:
    """Read the lake's partitions, the warehouse's row counts and the last run record."""
    lake = open_lake(settings)
    return Status(
        lake=mask_password(lake.uri()),  # shown: never a secret
        parts=lake_parts(lake),
        warehouse=mask_password(describe(settings)),
        table_rows=table_rows(settings),
        last_run=pipeline.last_run(settings),
    )


def lake_parts(lake: Lake) -> list[LakePart]:
    """Day-partitioned files, <zone>/<a>/<b>/date=YYYY-MM-DD/<file>: raw and quarantine by
    source and dataset, enrich by kind and version; then the marts."""
    parts: list[LakePart] = []
    for zone in (layout.RAW, layout.QUARANTINE):
        for dataset in DATASETS:
            by_source = _group(lake.glob(layout.dataset_glob(zone, dataset)), 1)
            for source, rels in sorted(by_source.items()):
                parts.append(_day_part(lake, rels, zone, source, dataset))
    for (kind, version), rels in sorted(_group(lake.glob(layout.enrich_glob()), 1, 2).items()):
        parts.append(_day_part(lake, rels, layout.ENRICH, "-", f"{kind} ({version})"))
    for rel in lake.glob(f"{layout.MARTS}/*.parquet"):
        files = lake.glob(f"{rel}/*.parquet") or [rel]  # a large table is a folder of months
        name = rel.split("/")[-1]
        parts.append(
            LakePart(layout.MARTS, "-", name, len(files), None, None, lake.count_rows(files))
        )
    return parts


def _group(rels: list[str], *parts: int) -> dict[Any, list[str]]:
    """Lake paths grouped by the path components at ``parts`` (one: its value; several: a
    tuple of them)."""
    groups: dict[Any, list[str]] = {}
    for rel in rels:
        pieces = rel.split("/")
        key = pieces[parts[0]] if len(parts) == 1 else tuple(pieces[i] for i in parts)
        groups.setdefault(key, []).append(rel)
    return groups


def _day_part(lake: Lake, rels: list[str], zone: str, source: str, dataset: str) -> LakePart:
    """Files, first and last day, rows of day-partitioned files (date= 4th component)."""
    days = sorted(rel.split("/")[3].removeprefix("date=") for rel in rels)
    return LakePart(zone, source, dataset, len(rels), days[0], days[-1], lake.count_rows(rels))
