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


class Stopped(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM, SIGINT): raised in the main thread by the CLI's
    signal handler, so the run unwinds, records itself as interrupted and exits non-zero."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class DiskFullError(StepError):
    """A stage stopped because a disk filled up; ``error`` is the OSError naming the path."""

    def __init__(self, stage: str, error: OSError) -> None:
        self.stage = stage
        self.error = error
        where = f"writing {error.filename}" if error.filename else "(no path reported)"
        super().__init__(
            f"{stage} stopped: no space left on device {where}; free some space on that disk, "
            "then run the same command again"
        )


class RunNotRecorded(StepError):
    """The run's record could not be saved in the lake (a full disk); the message says
    where (``where``), after the run's own error (``failure``) if it had one."""

    def __init__(self, where: str, failure: BaseException | None = None) -> None:
        self.where = where
        self.failure = failure
        super().__init__(f"{failure}; {where}" if failure is not None else where)
