"""The one error handler: a failure the pipeline explains (``core.errors``) or a failed file
operation becomes one line on stderr and exit code 1; anything else is a bug and keeps its
traceback. ``CRYPTOPULSE_DEBUG=1`` re-raises every error, with its traceback."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.markup import escape

from cryptopulse.cli.console import err_console
from cryptopulse.core.errors import (
    CryptopulseError,
    DataQualityError,
    DiskFullError,
    RunNotRecorded,
    Stopped,
)
from cryptopulse.core.server_url import mask_password
from cryptopulse.core.settings import Settings, SettingsError, load_settings
from cryptopulse.warehouse.engines import open_engine


@contextmanager
def friendly_errors(settings: Settings | None = None) -> Iterator[None]:
    """Turn known errors into one clear line and exit code 1 (``settings`` let a file
    error name the setting the path comes from)."""
    from cryptopulse.warehouse.errors import TransformError

    try:
        yield
    except RunNotRecorded as exc:  # the run's own error first, then where its record is not
        failed = exc.failure
        if isinstance(failed, DiskFullError):
            _fail(f"{_disk_full_message(failed, settings)}; {exc.where}")
        _fail(str(exc))
    except DiskFullError as exc:  # the stage, and the path with the setting it comes from
        _fail(_disk_full_message(exc, settings))
    except DataQualityError as exc:
        _fail(f"Stopped: {exc}")
    except TransformError as exc:  # a warehouse locked since the check is a UserError
        _fail(f"Transform failed: {exc}")
    except CryptopulseError as exc:  # a user mistake, a service (it says which), a step
        _fail(str(exc))
    except OSError as exc:  # permission denied, not a directory, disk full…
        _fail(os_error_message(exc, settings))
    except Stopped as exc:  # SIGTERM: the conventional 128 + signal number
        _fail(
            f"Stopped by {exc.signal_name}; the run is recorded as interrupted. Every step is "
            "idempotent: run the same command again to resume.",
            code=128 + getattr(signal, exc.signal_name, signal.SIGTERM).value,
        )
    except KeyboardInterrupt:
        _fail("Interrupted. Every step is idempotent: run the same command again to resume.")


def _disk_full_message(exc: DiskFullError, settings: Settings | None) -> str:
    return f"{exc.stage} stopped: {os_error_message(exc.error, settings)}"


OS_ERROR_HINTS = {
    errno.ENOTDIR: "a part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder, not a file",
    errno.EEXIST: "something is in the way: often a file where a folder should be",
    errno.EACCES: "check the permissions of that path and the folders above it",
    errno.EPERM: "check the permissions of that path and the folders above it",
    errno.EROFS: "that file system is mounted read-only",
    errno.ENOSPC: "the disk is full: free some space, then run the same command again",
    errno.EDQUOT: "the disk quota is used up: free some space, then run the same command again",
}


def os_error_message(exc: OSError, settings: Settings | None = None) -> str:
    """One line for a failed file operation: the path, what went wrong, what to do."""
    if exc.filename is None:
        return str(exc) or type(exc).__name__
    path = str(exc.filename)
    message = f"{path}: {exc.strerror or exc}"
    hint = OS_ERROR_HINTS.get(exc.errno or 0)
    if hint:
        message += f" ({hint})"
    setting = _setting_of_path(path, settings)
    return f"{message}; it comes from {setting}" if setting else message


def _setting_of_path(path: str, settings: Settings | None) -> str | None:
    """Which setting a path that failed comes from: the lake's, or the warehouse's (its
    folder also holds dbt's work files); both when it is a folder above the two."""
    if settings is None:
        return None
    lake = f"CRYPTOPULSE_LAKE_URL ({settings.lake_url})"
    warehouse = f"CRYPTOPULSE_WAREHOUSE_URL ({settings.warehouse_url})"
    if settings.lake_is_s3:
        in_lake = path.removeprefix("s3://").startswith(settings.lake_url.removeprefix("s3://"))
        return lake if in_lake else None
    resolved = Path(path).expanduser().resolve()
    lake_root = Path(settings.lake_url).expanduser().resolve()
    engine = open_engine(settings)
    database = Path(engine.location()).expanduser().resolve()  # for a server: a URL, no match
    work = engine.work_dir().resolve()
    if resolved == lake_root or lake_root in resolved.parents:
        return lake
    if (
        resolved in (database, work)
        or work in resolved.parents
        or (resolved.parent == database.parent and resolved.name.startswith(database.name))
    ):
        return warehouse
    above = [
        name
        for name, root in ((lake, lake_root), (warehouse, database))
        if resolved in root.parents
    ]
    return " and ".join(above) or None


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as the one error line and exit ``code`` (called in an ``except``
    block: with CRYPTOPULSE_DEBUG set, the error being handled is re-raised instead)."""
    if os.environ.get("CRYPTOPULSE_DEBUG"):
        raise
    fail(message, code=code)


def fail(message: str, code: int) -> NoReturn:
    """End the command with one error line and ``code`` (2: a bad option or setting)."""
    # The message is text, not markup: "[dashboard]" in it, or a path with brackets, stays.
    # A URL in it (a server's, an endpoint's, one a library echoed) shows no secret.
    err_console.print(f"[bold red]error:[/] {escape(mask_password(message))}")
    raise typer.Exit(code=code)


def settings_or_exit() -> Settings:
    """The settings, or exit code 2 with the one line naming the bad setting."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc), code=2)
