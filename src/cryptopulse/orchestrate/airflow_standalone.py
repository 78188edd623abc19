"""`make airflow`: ``airflow standalone``, and every process it starts stopped with it.

Standalone stops its components only on Ctrl-C (KeyboardInterrupt); on SIGTERM it dies
alone, and the scheduler, its LocalExecutor workers, the API server and the triggerer
live on, the port still answering. So it runs here in a process group of its own; on
Ctrl-C, SIGTERM, SIGHUP, or when `make` above it goes away, it is asked to stop as on
Ctrl-C, then the whole group is terminated, then killed, until none of it is left.

    python -m cryptopulse.orchestrate.airflow_standalone
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType

GRACE_SECONDS = 20.0  # standalone's own shutdown: its components get SIGTERM and exit
TERM_SECONDS = 10.0  # then SIGTERM to the whole group, then SIGKILL


def main() -> int:
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    parent = os.getppid()
    proc = subprocess.Popen([airflow, "standalone"], start_new_session=True)
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    while proc.poll() is None and not stopping and os.getppid() == parent:
        time.sleep(0.5)
    stop_group(proc)
    return 0 if stopping else (proc.returncode or 0)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop standalone as Ctrl-C would, then every process left in its group."""
    group = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGINT)  # standalone terminates its components itself
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GRACE_SECONDS)
    for signum, wait in ((signal.SIGTERM, TERM_SECONDS), (signal.SIGKILL, TERM_SECONDS)):
        if not _signal_group(group, signum):
            break
        deadline = time.monotonic() + wait
        while _group_alive(proc) and time.monotonic() < deadline:
            time.sleep(0.2)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=TERM_SECONDS)


def _signal_group(group: int, signum: int) -> bool:
    """Send ``signum`` to the group; False if none of it is left."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    return True


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    proc.poll()  # a leader that exited is reaped, not counted as alive
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
