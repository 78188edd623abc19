"""One BLAS thread for numpy's small matrix work (the Granger mart).

numpy's bundled OpenBLAS starts a thread per core and has them spin while they wait. On the
few cores the pipeline is sized for, and with DuckDB's threads in the same process, that made
the Granger mart's thousands of small products up to ten times slower than one thread
(4.5 s against 22-36 s on a busy 2-core machine). One thread also sums in the same order on
every machine, so the mart's last bits do not depend on the number of cores.

There is no public numpy API for it (threadpoolctl is not a dependency): the library numpy
loaded is found beside it and its own setter called through ctypes. Where it is not found
(another BLAS, another platform) this does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np

# (setter, getter) names in the OpenBLAS builds numpy wheels ship, newest first.
_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


@cache
def _openblas() -> tuple[Any, Any] | None:
    """numpy's OpenBLAS thread setter and getter, or None."""
    root = os.path.dirname(os.path.dirname(np.__file__))
    candidates = glob.glob(os.path.join(root, "numpy.libs", "*openblas*"))
    candidates += glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))
    for path in candidates:
        try:
            library = ctypes.CDLL(path)  # the copy numpy loaded: the same handle
        except OSError:
            continue
        for setter, getter in _SYMBOLS:
            if hasattr(library, setter) and hasattr(library, getter):
                set_threads, get_threads = getattr(library, setter), getattr(library, getter)
                set_threads.argtypes, set_threads.restype = [ctypes.c_int], None
                get_threads.argtypes, get_threads.restype = [], ctypes.c_int
                return set_threads, get_threads
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread inside the block; the earlier count restored after."""
    found = _openblas()
    if found is None:
        yield
        return
    set_threads, get_threads = found
    before = get_threads()
    set_threads(1)
    try:
        yield
    finally:
        set_threads(before)
