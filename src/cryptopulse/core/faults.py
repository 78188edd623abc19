"""A test-only seam: hold the process at a named point so a fault test can kill it there.

The fault suite (tests/faults/) sets ``CRYPTOPULSE_TEST_HOLD_AT`` to a point's name and
``CRYPTOPULSE_TEST_HOLD_DIR`` to a folder; the first time the process reaches that point it
writes a file named after the point into the folder and sleeps, so the test can send
SIGKILL or SIGTERM at exactly that moment (a stage's output files appear too fast at the
test's scale to be caught by polling). Unset, as in every real run, ``hold`` does nothing.

Points: ``extract.mid-stage`` (a day landed, others not), ``enrich.mid-stage`` (a file
enriched), ``transform.mid-model`` (models finished while others run), ``export.mid-file``
(a mart file half written), ``coingecko.mid-backfill`` (a coin's window landed).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

HOLD_AT = "CRYPTOPULSE_TEST_HOLD_AT"
HOLD_DIR = "CRYPTOPULSE_TEST_HOLD_DIR"
HOLD_SECONDS = 120.0
_held: set[str] = set()
_lock = threading.Lock()


def hold(point: str) -> None:
    """Sleep here (once per process) if the fault suite asked to hold at ``point``."""
    if os.environ.get(HOLD_AT) != point:
        return
    with _lock:
        if point in _held:
            return
        _held.add(point)
    folder = Path(os.environ.get(HOLD_DIR) or ".")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / point).write_text(str(os.getpid()))
    time.sleep(HOLD_SECONDS)
