"""The unit of extraction and of a windowed warehouse build: whole UTC days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Interval:
    """A half-open UTC interval [start, end) of whole days: the unit of extraction."""

    start: date
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"interval end {self.end} must be after its start {self.start}")

    def days(self) -> list[date]:
        n = (self.end - self.start).days
        return [self.start + timedelta(days=i) for i in range(n)]

    @property
    def start_ts(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_ts(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"
