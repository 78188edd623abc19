"""Progress bars: one per pipeline stage, or one for the bytes of an imported file.

On a terminal they are Rich's live bars. When the output is a file or a pipe (cron, CI,
Airflow's task log) live bars cannot redraw, and Rich would print them once, at the end,
squeezed to 80 columns: there, progress is plain timestamped lines instead, written and
flushed as it happens (``LogLines``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from cryptopulse.cli.console import console


class StageBars:
    """Rich progress bars, one per stage, fed by the pipeline's progress callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()  # dbt reports finished nodes from its threads

    def __call__(self, stage: str, done: int, total: int, detail: str) -> None:
        with self.lock:
            if stage not in self.tasks:
                self.tasks[stage] = self.progress.add_task(stage, total=total, detail=detail)
            self.progress.update(self.tasks[stage], completed=done, total=total, detail=detail)


class LogLines(Progress):
    """Progress as log lines: one when a task starts, one each tenth of the way, one when
    it ends: ``2026-12-06T17:40:01Z transform 40/78 fct_posts``. Same API as Rich's bars."""

    STEPS = 10

    def __init__(self, *columns: Any, byte_counts: bool = False) -> None:
        super().__init__(*columns, console=console, disable=True)  # no live display
        self.byte_counts = byte_counts
        self.printed: dict[TaskID, int] = {}  # the last tenth printed, per task

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> TaskID:
        task_id = super().add_task(description, *args, **kwargs)
        self._line(task_id)
        return task_id

    def update(self, task_id: TaskID, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        self._line(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._line(task_id)

    def _line(self, task_id: TaskID) -> None:
        task = self._tasks[task_id]
        total = task.total or 0
        tenth = int(task.completed * self.STEPS // total) if total else 0
        if self.printed.get(task_id, -1) >= tenth:
            return
        self.printed[task_id] = tenth
        if not total:  # a stage starting, its size not known yet
            count = ""
        elif self.byte_counts:
            count = f"{decimal(int(task.completed))}/{decimal(int(total))}"
        else:
            count = f"{int(task.completed)}/{int(total)}"
        detail = task.fields.get("detail") or ""
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        line = " ".join(part for part in (now, task.description, count, detail) if part)
        # Rich flushes after each print: the line is in the log as it happens.
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def counted_bars(width: int = 16) -> Progress:
    """Bars that count steps done of a total, with a detail line (``width``: the label's)."""
    columns: list[Any] = [
        TextColumn(f"[bold blue]{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[detail]}"),
    ]
    if not console.is_terminal:
        return LogLines()
    return Progress(*columns, console=console, transient=False)


@contextmanager
def progress_bars() -> Iterator[StageBars]:
    with counted_bars() as progress:
        yield StageBars(progress)


@contextmanager
def file_bar(label: str, size: int) -> Iterator[Callable[[int, int], None]]:
    """One bar for the bytes of a file read; yields the callback that moves it (done,
    total), and fills it when the block ends without error."""
    columns: list[Any] = [
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
    ]
    bars = Progress(*columns, console=console) if console.is_terminal else None
    with bars or LogLines(byte_counts=True) as progress:
        task = progress.add_task(label, total=size)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield on_progress
        progress.update(task, completed=size)
