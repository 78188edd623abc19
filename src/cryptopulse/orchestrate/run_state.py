"""Which runs are running: a marker per live run, so a run that died (SIGKILL, power cut)
is told from one still going, and what interrupted runs left behind can be removed.

``state/running/<run_id>.json`` holds the run's process id and host; it is written when a
run starts and removed when it ends, however it ends short of SIGKILL. A marker whose process
is gone belongs to a run that was killed: its run record still says "running", and
``status`` shows it as interrupted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from typing import Any

from cryptopulse.lake import Lake, layout
from cryptopulse.lake.debris import Leftover, lake_lock, remove_leftovers

RUNNING = f"{layout.STATE}/running"


def marker(run_id: str) -> str:
    return f"{RUNNING}/{run_id}.json"


def this_process() -> dict[str, Any]:
    """What identifies the running process in a marker and a run record."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def process_gone(record: dict[str, Any]) -> bool | None:
    """Whether the process that wrote ``record`` (with pid and host) has ended: True or
    False, None when it cannot be told (another host, or no pid recorded)."""
    pid, host = record.get("pid"), record.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


def start(lake: Lake, run_id: str) -> list[Leftover]:
    """Register run ``run_id`` as running, and remove what interrupted runs left: markers of
    runs whose process is gone, and temporary files older than every live run. Returns the
    temporary files removed."""
    now = time.time()
    with lake_lock(lake):
        oldest = now
        for rel in lake.glob(f"{RUNNING}/*.json"):
            try:
                other = lake.read_json(rel)
            except (OSError, ValueError):
                other = {}
            if not other or process_gone(other) is True:
                lake.delete(rel)  # its run was killed; its record says so (status)
                continue
            oldest = min(oldest, float(other.get("started", now)))
        removed = remove_leftovers(lake, older_than=oldest)
        lake.write_json(marker(run_id), {**this_process(), "run_id": run_id, "started": now})
    return removed


def finish(lake: Lake, run_id: str) -> None:
    """The run has ended (succeeded, failed or interrupted): it is no longer running."""
    with contextlib.suppress(OSError):
        lake.delete(marker(run_id))
