"""Typed errors of the transform, with messages a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FailedCheck:
    table: str
    check: str
    failing_rows: int

    def __str__(self) -> str:
        rows = "row" if self.failing_rows == 1 else "rows"
        return f"{self.table} · {self.check} · {self.failing_rows:,} failing {rows}"


class TransformError(RuntimeError):
    """dbt could not build a model (SQL error, bad profile, missing file…)."""


class DataQualityError(RuntimeError):
    """One or more data quality checks failed; downstream steps must not run."""

    def __init__(self, failed: list[FailedCheck]) -> None:
        self.failed = failed
        lines = "\n".join(f"  - {check}" for check in failed)
        super().__init__(f"data quality checks failed ({len(failed)}):\n{lines}")
