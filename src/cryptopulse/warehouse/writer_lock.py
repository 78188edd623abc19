"""One cryptopulse writer per warehouse at a time: a lock file beside dbt's work files.

DuckDB's own file lock refuses a second writer only once dbt opens the database, deep in
the build, where dbt prints its tracebacks; and it is let go between dbt and the tables
computed after it. This lock is taken before the run starts and held to its end, so a
second run is refused at once, in one line naming the run that holds it. The operating
system releases it when the holder dies (even by kill -9): no stale lock to clean up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from cryptopulse.warehouse.engine import WarehouseEngine, WarehouseUnavailable

LOCK_NAME = "writer.lock"

# Held locks of this process by path, with their depth: a run holds the lock and its
# transform takes it again (a second flock in the same process would refuse itself).
_held: dict[Path, tuple[int, int]] = {}  # path -> (file descriptor, depth)
_guard = threading.Lock()


def lock_path(engine: WarehouseEngine) -> Path:
    return engine.work_dir() / LOCK_NAME


@contextlib.contextmanager
def one_writer(engine: WarehouseEngine) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; WarehouseUnavailable at once if
    another process holds it."""
    path = lock_path(engine)
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
        else:
            _held[path] = (_acquire(path, engine), 1)
    try:
        yield
    finally:
        with _guard:
            fd, depth = _held[path]
            if depth > 1:
                _held[path] = (fd, depth - 1)
            else:
                del _held[path]
                os.close(fd)  # releases the lock


def busy_elsewhere(engine: WarehouseEngine) -> bool:
    """Whether another process holds the lock (a cryptopulse run is building)."""
    path = lock_path(engine)
    with _guard:
        if path in _held or not path.exists():
            return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # a shared lock taken is let go with it
    return False


def _acquire(path: Path, engine: WarehouseEngine) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder_pid(fd)
        os.close(fd)
        by = f" (PID {holder})" if holder.isdigit() else ""
        raise WarehouseUnavailable(
            f"another cryptopulse run{by} is building the warehouse {engine.location()}: "
            "wait for it to finish, then run the same command again"
        ) from None
    pid = f"{os.getpid()}\n".encode()
    os.pwrite(fd, pid, 0)  # then cut what an older, longer PID left: never an empty file
    os.ftruncate(fd, len(pid))
    return fd


def _holder_pid(fd: int) -> str:
    """The PID the lock's holder wrote; it may have taken the lock an instant ago and not
    written it yet, so a few short tries (empty string if it never shows)."""
    for _ in range(10):
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
        if holder.isdigit():
            return holder
        time.sleep(0.02)
    return ""


READERS_NAME = "readers.lock"


@contextlib.contextmanager
def readers_out(engine: WarehouseEngine, wait_seconds: float) -> Iterator[None]:
    """Held by a build around its opening of the warehouse: waits for the cryptopulse
    readers reading now (status, an export) to finish, and keeps new ones waiting (DuckDB
    refuses a writer beside any reader process)."""
    with _flocked(engine, fcntl.LOCK_EX, wait_seconds, "a `status` or `export` reading it"):
        yield


@contextlib.contextmanager
def reading(engine: WarehouseEngine, wait_seconds: float) -> Iterator[None]:
    """Held by a reader that waits for builds (shared with other readers)."""
    with _flocked(engine, fcntl.LOCK_SH, wait_seconds, "a build"):
        yield


@contextlib.contextmanager
def _flocked(engine: WarehouseEngine, mode: int, wait_seconds: float, what: str) -> Iterator[None]:
    path = engine.work_dir() / READERS_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseUnavailable(
                        f"the warehouse {engine.location()} stayed held by {what} for "
                        f"{wait_seconds:.0f} s; run the same command again"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)
