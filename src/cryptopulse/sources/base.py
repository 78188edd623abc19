"""The one small interface every source implements: fetch an interval, get records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from cryptopulse.core.batch import Batch
from cryptopulse.core.interval import Interval


class Source(Protocol):
    """A source of raw records: ``name`` is the folder it lands under in ``raw/``."""

    name: str

    def datasets(self) -> tuple[str, ...]:
        """The datasets this source produces (names from ``core.datasets.DATASETS``)."""
        ...

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """Yield the records of ``interval``, one batch per dataset and day."""
        ...
