"""What a source hands the lake: one dataset's records for one day, and unreadable ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa


@dataclass(frozen=True)
class Reject:
    """An unreadable source record: its original text and why it could not be read."""

    raw: str
    reason: str


@dataclass(frozen=True)
class Batch:
    """Records of one dataset for one day (the lake's partition unit).

    ``records`` may be loosely typed (strings where numbers belong, missing columns):
    conforming to the dataset schema, and quarantining what does not fit, is the lake's job.
    ``day`` is None for snapshot datasets such as the coin list. ``part`` splits a day
    further when a source fetches it in independent pieces (one coin's history, one query's
    posts): each (dataset, day, part) is its own file, so pieces land and re-land alone.
    """

    dataset: str
    day: date | None
    records: pa.Table
    part: str | None = None
    # Records the source could not even read into columns (a malformed JSON line, a CSV row
    # with the wrong number of fields): quarantined with the batch, never dropped.
    rejects: tuple[Reject, ...] = ()
