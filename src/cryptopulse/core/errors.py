"""One error base, a subclass per kind of failure. The CLI shows any of them as one line
(``CRYPTOPULSE_DEBUG=1`` for the traceback); anything else is a bug and keeps its traceback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CryptopulseError(Exception):
    """A failure the pipeline explains: the message says what, where and what to do."""


class UserError(CryptopulseError):
    """A mistake the user can fix: a bad option, setting, path or input file."""


class ServiceError(CryptopulseError):
    """A service (an API, a database server) refused or stayed down; it names the service."""

    def __init__(self, message: str, service: str = "") -> None:
        super().__init__(message)
        self.service = service


class PartlyLandedError(ServiceError):
    """A source landed some of what it was asked for before others failed for good:
    ``landed`` is what did land (the run record keeps it; a rerun resumes)."""

    def __init__(self, message: str, service: str, landed: list[Any]) -> None:
        super().__init__(message, service)
        self.landed = landed


class StepError(CryptopulseError):
    """A pipeline step could not finish (a model that does not build, an export that fails)."""


@dataclass(frozen=True)
class FailedCheck:
    table: str
    check: str
    failing_rows: int

    def __str__(self) -> str:
        rows = "row" if self.failing_rows == 1 else "rows"
        return f"{self.table} · {self.check} · {self.failing_rows:,} failing {rows}"


class DataQualityError(CryptopulseError):
    """One or more data quality checks failed; downstream steps must not run."""

    def __init__(self, failed: list[FailedCheck]) -> None:
        self.failed = failed
        lines = "\n".join(f"  - {check}" for check in failed)
        super().__init__(f"data quality checks failed ({len(failed)}):\n{lines}")
