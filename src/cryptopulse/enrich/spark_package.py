"""cryptopulse as a zip for Spark executors (``--py-files`` / ``SparkContext.addPyFile``).

On a local or one-machine cluster the executors use the driver's venv and need nothing. On a
real cluster whose Python already has cryptopulse's dependencies (pyarrow, fsspec, s3fs,
numpy, pydantic-settings), this zip of the cryptopulse package itself is enough for the
executors to run the enrich step; otherwise ship a packed venv (docs/spark.md).

The zip is deterministic (sorted entries, fixed timestamps) and named by its content hash, so
building it twice gives the same file and a changed package gives a new name (Spark refuses
a second file of the same name with other content).

    python -m cryptopulse.enrich.spark_package DIR   # writes DIR/cryptopulse-<hash>.zip
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import cryptopulse

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Folders the executors never need: build output and caches (the dbt project's included).
SKIPPED_FOLDERS = frozenset({"__pycache__", "target", "logs", "dbt_packages", ".pytest_cache"})
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _package_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts)
        and path.suffix not in {".pyc", ".pyo"}
    )


def build_zip(folder: Path) -> Path:
    """Write ``folder/cryptopulse-<hash>.zip`` (the installed package's files, its lexicons
    included) unless it is there already; returns its path."""
    root = Path(cryptopulse.__file__).parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _package_files(root):
            name = "cryptopulse/" + path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    target = folder / f"cryptopulse-{hashlib.sha256(data).hexdigest()[:12]}.zip"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.tmp")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a concurrent reader never sees half a zip
    return target


def ship_package(spark: SparkSession, folder: Path) -> Path:
    """Build the zip in ``folder`` and add it to ``spark``'s executors' Python path."""
    path = build_zip(folder)
    spark.sparkContext.addPyFile(str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cryptopulse.enrich.spark_package DIR", file=sys.stderr)
        return 2
    print(build_zip(Path(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
