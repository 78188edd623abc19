"""Land a source's records in the lake: conform, write raw partitions, quarantine the rest.

Each (source, dataset, day) has exactly one raw file and at most one quarantine file, so
re-landing a day overwrites both (and removes a quarantine file the new data no longer
needs): reruns never duplicate.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from cryptopulse.core.batch import Batch
from cryptopulse.core.datasets import COIN_HOURLY, DATASETS
from cryptopulse.core.interval import Interval
from cryptopulse.lake import layout
from cryptopulse.lake.conform import conform, with_rejects
from cryptopulse.lake.storage import Lake

# Datasets also written as CSV beside their Parquet (the original shipped cg_hourly.csv).
CSV_DATASETS = (COIN_HOURLY.name,)


@dataclass
class Landing:
    """What landing one dataset of one source did."""

    source: str
    dataset: str
    rows_in: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    files: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def land_batch(lake: Lake, source: str, batch: Batch, now: datetime) -> Landing:
    dataset = DATASETS.get(batch.dataset)
    if dataset is None:
        raise ValueError(f"source {source!r} produced unknown dataset {batch.dataset!r}")
    day: date = batch.day or now.date()
    result = with_rejects(conform(batch.records, dataset, now=now), batch.rejects)
    part = batch.part
    lake.write_parquet(layout.raw_file(source, dataset.name, day, part=part), result.valid)
    if dataset.name in CSV_DATASETS:
        lake.write_csv(layout.raw_file(source, dataset.name, day, "csv", part), result.valid)
    quarantine = layout.quarantine_file(source, dataset.name, day, part)
    if result.rejected.num_rows:
        lake.write_parquet(quarantine, result.rejected)
    else:
        lake.delete(quarantine)
    return Landing(
        source=source,
        dataset=dataset.name,
        rows_in=result.rows_in,
        rows_landed=result.valid.num_rows,
        rows_quarantined=result.rejected.num_rows,
        files=1,
        reasons=result.reasons,
    )


class BatchSource(Protocol):
    """What the lake lands from: a name (its folder under raw/) and batches for an interval.
    Every ``sources.base.Source`` is one; the lake does not depend on the sources package."""

    name: str

    def fetch(self, interval: Interval) -> Iterator[Batch]: ...


def land(
    lake: Lake,
    source: BatchSource,
    interval: Interval,
    on_batch: Callable[[Batch], None] | None = None,
    now: datetime | None = None,
    workers: int = 2,
    datasets: tuple[str, ...] | None = None,
) -> list[Landing]:
    """Fetch ``interval`` from ``source`` and land it; one Landing per dataset.

    The source yields batches in order; conforming and writing them (columnar work that
    releases the GIL, and file I/O) runs on ``workers`` threads, with a bounded number of
    batches in flight so memory stays flat however long the interval. ``datasets`` lands
    only those of the source's datasets.
    """
    now = now or datetime.now(UTC)
    totals: dict[str, Landing] = {}

    def collect(done: Future[Landing], batch: Batch) -> None:
        one = done.result()
        total = totals.setdefault(one.dataset, Landing(source.name, one.dataset))
        total.rows_in += one.rows_in
        total.rows_landed += one.rows_landed
        total.rows_quarantined += one.rows_quarantined
        total.files += one.files
        total.reasons.update(one.reasons)
        if on_batch is not None:
            on_batch(batch)

    in_flight: deque[tuple[Future[Landing], Batch]] = deque()
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="land") as pool:
            for batch in source.fetch(interval):
                if datasets is not None and batch.dataset not in datasets:
                    continue  # another task lands that dataset
                in_flight.append((pool.submit(land_batch, lake, source.name, batch, now), batch))
                while len(in_flight) > 2 * workers:
                    collect(*in_flight.popleft())
            while in_flight:
                collect(*in_flight.popleft())
    except Exception as exc:
        # What did land stays on record (a full disk stops a landing part-way); the
        # failure's own type is kept for the caller to explain.
        exc.landed = [*getattr(exc, "landed", []), *totals.values()]  # type: ignore[attr-defined]
        raise
    return list(totals.values())
