"""Progress bars: one per pipeline stage, or one for the bytes of an imported file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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

    def __call__(self, stage: str, done: int, total: int, detail: str) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total, detail="")
        self.progress.update(self.tasks[stage], completed=done, total=total, detail=detail)


def counted_bars(width: int = 16) -> Progress:
    """Bars that count steps done of a total, with a detail line (``width``: the label's)."""
    columns: list[Any] = [
        TextColumn(f"[bold blue]{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[detail]}"),
    ]
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
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(label, total=size)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield on_progress
        progress.update(task, completed=size)
