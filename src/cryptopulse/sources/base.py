"""What a source is: the base class every source derives from, and how it is plugged in.

A source fetches an interval and yields batches of raw records; everything else it may do
has a default here, so the pipeline calls it without probing. A ``SourcePlugin`` names a
source, its settings class and how to build it from the settings; each source's package
declares one, registered in the ``cryptopulse.sources`` entry-point group (the built-in ones
in cryptopulse's pyproject.toml; ``sources.registry``; docs/adding-a-source.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptopulse.core.batch import Batch
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings, SettingsSection
from cryptopulse.lake.land import Landing, land
from cryptopulse.lake.storage import Lake


class Source(ABC):
    """A source of raw records: ``name`` is the folder it lands under in ``raw/``."""

    name: str

    @abstractmethod
    def datasets(self) -> tuple[str, ...]:
        """The datasets this source produces (names from ``core.datasets.DATASETS``)."""

    @abstractmethod
    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """Yield the records of ``interval``, one batch per dataset and day."""

    def land(
        self,
        lake: Lake,
        interval: Interval,
        datasets: tuple[str, ...],
        on_batch: Callable[[Batch], None] | None = None,
    ) -> list[Landing]:
        """Fetch ``interval`` and land ``datasets`` of it in the lake's raw layer.

        The default lands ``fetch``'s batches as they come. A source whose state may only
        advance once its files are written (CoinGecko's watermarks) lands its own."""
        return land(lake, self, interval, on_batch=on_batch, datasets=datasets)

    def close(self) -> None:
        """Release connections; called once the source's batches are landed (or failed)."""
        return None

    def summary(self) -> dict[str, Any] | None:
        """Figures for the run record (API calls, retries, days skipped), or None."""
        return None

    def ground_truth(self) -> dict[str, Any] | None:
        """What a synthetic source planted (written beside its raw data), or None."""
        return None


@dataclass(frozen=True)
class SourcePlugin:
    """A source as the registry knows it.

    ``build`` makes the configured source from the settings (a ``SettingsError``,
    a ``UserError``, naming the setting when one is missing); ``settings`` is the source's own
    settings class, read with ``core.settings.section``; ``about`` is a few words for help
    texts ("posts", "market data").
    """

    name: str
    build: Callable[[Settings], Source]
    settings: type[SettingsSection] | None = None
    about: str = ""
