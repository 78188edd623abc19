"""The record of a run: what it did, saved in the lake and printed by the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RunReport:
    """Everything a run did; the CLI prints it, the lake keeps it."""

    run_id: str
    command: str
    interval: str | None
    lake: str
    warehouse: str
    started_at: str
    finished_at: str | None = None
    status: str = "running"
    error: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    landings: list[dict[str, Any]] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    tests: dict[str, int] = field(default_factory=dict)
    enrich: dict[str, int] = field(default_factory=dict)
    exports: list[dict[str, Any]] = field(default_factory=list)
    # Source-specific figures, saved as top-level keys of the run record (e.g. "coingecko").
    extra: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The run as saved in the lake: JSON-ready, source figures as top-level keys."""
        data = asdict(self)
        data.update(data.pop("extra"))
        return data

    @property
    def rows_landed(self) -> int:
        return sum(int(item["rows_landed"]) for item in self.landings)

    @property
    def rows_quarantined(self) -> int:
        return sum(int(item["rows_quarantined"]) for item in self.landings)
