"""The lake's exported marts (``marts/<table>.parquet``) read like the warehouse.

When the warehouse cannot be reached (not built here, locked by a writer, its server down),
readers such as the dashboard still have the marts the last export wrote: this opens them
as a read-only ``MartReader``, so the same SQL runs on either.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyarrow.dataset as pads

from cryptopulse.lake import Lake, layout
from cryptopulse.warehouse.engine import MartReader


def exported_tables(lake: Lake) -> dict[str, list[str]]:
    """Each exported table's Parquet files (a large table is a folder of monthly files)."""
    tables: dict[str, list[str]] = {}
    for rel in lake.glob(f"{layout.MARTS}/*.parquet"):
        name = rel.rsplit("/", 1)[1].removesuffix(".parquet")
        files = [rel] if lake.is_file(rel) else lake.glob(f"{rel}/*.parquet")
        if files:
            tables[name] = files
    return tables


@contextlib.contextmanager
def exported_marts(lake: Lake) -> Iterator[MartReader]:
    """A read-only reader over the exported marts (no table if nothing was exported)."""
    from cryptopulse.warehouse.engines.duckdb import datasets_reader

    datasets = {
        name: pads.dataset([lake.path(f) for f in files], filesystem=lake.fs, format="parquet")
        for name, files in exported_tables(lake).items()
    }
    with datasets_reader(datasets) as reader:
        yield reader
