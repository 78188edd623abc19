"""The two Rich consoles every command prints to: results on stdout, errors on stderr."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def _log_width() -> int | None:
    """Off a terminal (a file, a pipe, a task log) Rich assumes 80 columns and cuts the
    summary's tables short; a log has room. None: Rich's own choice (COLUMNS, the tty)."""
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return None
    return 160


console = Console(width=_log_width())
err_console = Console(stderr=True)
