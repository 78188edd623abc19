"""What interrupted runs leave in a local lake: hidden temporary files and folders.

Every local write goes to ``.<name>.tmp-<hex>`` beside its target first (``storage``);
a run killed mid-write (SIGKILL, a power cut) leaves that behind. A later run removes the
ones older than every run still running, under the lake's lock, so it never takes a file
another live run is writing. On S3 nothing is left (an upload that is not committed never
appears), so there is nothing to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass

from cryptopulse.lake import layout
from cryptopulse.lake.storage import TEMP_NAME, Lake, remove_path

LOCK_FILE = f"{layout.STATE}/lake.lock"


@dataclass(frozen=True)
class Leftover:
    """A temporary file or folder an interrupted write left in the lake."""

    rel: str
    bytes: int
    mtime: float


@contextlib.contextmanager
def lake_lock(lake: Lake) -> Iterator[None]:
    """Hold the lake's lock (a local lake; on S3 a no-op): runs take it while they look for
    other runs and remove what interrupted ones left, so two starting together do not
    remove each other's work. Released by the kernel if the process dies."""
    if lake.is_s3:
        yield
        return
    path = lake.path(LOCK_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def leftovers(lake: Lake) -> list[Leftover]:
    """Every temporary file or folder in the lake (raw, quarantine, enrich, marts, state)."""
    if lake.is_s3 or not os.path.isdir(lake.root):
        return []
    found = []
    for directory, folders, files in os.walk(lake.root):
        for name in [*folders, *files]:
            if not TEMP_NAME.match(name):
                continue
            path = os.path.join(directory, name)
            with contextlib.suppress(FileNotFoundError):
                found.append(Leftover(lake.relative(path), _size(path), os.lstat(path).st_mtime))
        folders[:] = [f for f in folders if not TEMP_NAME.match(f)]  # counted whole above
    return sorted(found, key=lambda item: item.rel)


def remove_leftovers(lake: Lake, older_than: float) -> list[Leftover]:
    """Remove the temporary files and folders last changed before ``older_than`` (a Unix
    time: when the oldest run still running started); returns what was removed. Call it
    holding ``lake_lock``."""
    removed = []
    for item in leftovers(lake):
        if item.mtime < older_than:
            remove_path(lake.path(item.rel))
            removed.append(item)
    return removed


def _size(path: str) -> int:
    if not os.path.isdir(path):
        return os.lstat(path).st_size
    return sum(
        os.lstat(os.path.join(top, name)).st_size
        for top, _, names in os.walk(path)
        for name in names
    )
