"""numpy's BLAS on one thread for the Granger mart, the earlier count restored after."""

from __future__ import annotations

import pytest

from cryptopulse.warehouse import blas


def test_one_thread_inside_the_block_and_the_count_restored_after() -> None:
    found = blas._openblas()
    if found is None:
        pytest.skip("numpy's BLAS here is not the OpenBLAS its wheels ship")
    set_threads, get_threads = found
    set_threads(2)
    try:
        with blas.one_blas_thread():
            assert get_threads() == 1
        assert get_threads() == 2
    finally:
        set_threads(2)
