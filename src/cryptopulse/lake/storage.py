"""One storage interface over a local folder and ``s3://``: atomic, deterministic writes.

Local writes go to a hidden temporary file in the target folder and are renamed into
place, so a reader never sees half a file; on S3 a multipart upload becomes visible only
when committed after the block succeeds, and is aborted otherwise, which gives the same
guarantee.
"""

from __future__ import annotations

import contextlib
import glob as stdlib_glob
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from cryptopulse.lake.s3_errors import s3_errors

# Parquet settings for everything we write: zstd is compact and fast to read; a checksum per
# page lets a reader tell a damaged file from data (lake.integrity), at a few bytes a page.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "write_page_checksum": True,
}
# What reading a lake file checks: the pages' checksums, where the writer wrote them.
READ_OPTIONS: dict[str, Any] = {"page_checksum_verification": True}
# What a write in progress is called beside its target: hidden, so readers' globs skip it,
# and recognisable, so a later run can remove what an interrupted one left (lake.debris).
TEMP_NAME = re.compile(r"^\..+\.tmp-[0-9a-f]{32}$")


def temp_name(final: str) -> str:
    """The hidden temporary path a write of ``final`` goes to before it is renamed."""
    directory, name = os.path.split(final)
    return os.path.join(directory, f".{name}.tmp-{uuid.uuid4().hex}")


@contextlib.contextmanager
def naming_the_path(path: str) -> Iterator[None]:
    """An OSError raised while writing ``path`` names it: a disk-full error from a write
    through a file handle (pyarrow's, ``handle.write``) carries no file name of its own."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), path) from exc


def remove_path(path: str) -> None:
    """Remove a local file or folder, if it is there."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _swap_into_place(new: str, final: str) -> None:
    """Put the folder ``new`` at ``final``; the old one (or a file of that name, an older
    layout) ends at ``new``. One atomic exchange where the kernel has it (Linux
    renameat2), else two renames with a moment in between when ``final`` is missing."""
    if not os.path.lexists(final):
        os.rename(new, final)
        return
    if _exchange(new, final):
        return
    old = temp_name(final)
    os.rename(final, old)
    os.rename(new, final)
    os.rename(old, new)


def _exchange(a: str, b: str) -> bool:
    """Swap the paths ``a`` and ``b`` atomically (renameat2 RENAME_EXCHANGE); False where
    the system does not offer it."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if done == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not on this file system
        return False
    raise OSError(error, os.strerror(error), b)


class Lake:
    """A lake rooted at a local folder or an ``s3://bucket/prefix`` URL.

    All paths given to its methods are relative to the root and use forward slashes.
    """

    def __init__(self, url: str, s3_endpoint_url: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.is_s3 = self.url.startswith("s3://")
        if self.is_s3:
            import s3fs  # imported here: local lakes do not need botocore

            client_kwargs = {"endpoint_url": s3_endpoint_url} if s3_endpoint_url else {}
            # Credentials come from the standard AWS environment / profile chain only.
            self.fs: fsspec.AbstractFileSystem = s3fs.S3FileSystem(client_kwargs=client_kwargs)
            self.root = self.url[len("s3://") :]
        else:
            self.fs = LocalFileSystem()
            self.root = str(Path(self.url).expanduser().resolve())

    def __repr__(self) -> str:
        return f"Lake({self.url!r})"

    # ---- addressing -------------------------------------------------------------------
    def path(self, rel: str) -> str:
        """The filesystem path of ``rel`` (without protocol), for ``self.fs``."""
        return f"{self.root}/{rel}" if rel else self.root

    def uri(self, rel: str = "") -> str:
        """A URL other engines (DuckDB, dbt) can read: an absolute path or ``s3://…``."""
        return f"s3://{self.path(rel)}" if self.is_s3 else self.path(rel)

    def relative(self, path: str) -> str:
        path = path.removeprefix("s3://")
        return path[len(self.root) + 1 :] if path.startswith(self.root + "/") else path

    # ---- writing ------------------------------------------------------------------------
    @contextlib.contextmanager
    def open_atomic(self, rel: str) -> Iterator[IO[bytes]]:
        """Open ``rel`` for writing; it appears, complete, only when the block succeeds."""
        final = self.path(rel)
        if self.is_s3:
            # Not ``with fs.open(...)``: closing an s3fs file finishes the upload even when
            # an exception is propagating, leaving a truncated object. Without autocommit,
            # closing only uploads parts of a multipart upload (even for a small file,
            # which would otherwise be one PUT); the object appears on ``commit()``.
            with self._s3("write", rel):
                handle = self.fs.open(final, "wb", autocommit=False)
                try:
                    yield handle
                    handle.close()
                    handle.commit()
                except BaseException:  # KeyboardInterrupt too: never publish a partial object
                    # Abort the multipart upload, if one was started; if S3 refuses that
                    # too, the parts stay invisible (no object) until a lifecycle rule.
                    with contextlib.suppress(Exception):
                        handle.discard()
                    handle.closed = True  # drop the buffer unsent; nothing left to flush
                    raise
            return
        os.makedirs(os.path.dirname(final), exist_ok=True)
        tmp = temp_name(final)
        try:
            with naming_the_path(final):
                with open(tmp, "wb") as handle:
                    yield handle
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)

    @contextlib.contextmanager
    def folder_atomic(self, rel: str, keep: list[str]) -> Iterator[str]:
        """Rewrite the folder ``rel`` as a whole: yields the relative path of a hidden folder
        beside it, already holding hard links to the files named in ``keep`` (the parts not
        rewritten); write the new files there. When the block succeeds the folder takes the
        place of ``rel`` in one rename, so a reader sees the old folder or the new one, never
        one half written or empty. On S3 (no folders) it yields ``rel`` itself: each object
        appears whole on its own.
        """
        if self.is_s3:
            yield rel
            return
        final = self.path(rel)
        tmp = temp_name(final)
        try:
            with naming_the_path(final):
                os.makedirs(tmp)
                for name in keep:
                    os.link(os.path.join(final, name), os.path.join(tmp, name))
            yield self.relative(tmp)
            with naming_the_path(final):
                _swap_into_place(tmp, final)
        finally:
            remove_path(tmp)  # after a swap: the old folder (or an older layout's file)

    def write_parquet(self, rel: str, table: pa.Table) -> None:
        with self.open_atomic(rel) as handle:
            pq.write_table(table, handle, **PARQUET_OPTIONS)

    def write_parquet_batches(
        self, rel: str, schema: pa.Schema, batches: Iterator[pa.RecordBatch]
    ) -> int:
        """Stream record batches into one Parquet file; returns the rows written."""
        rows = 0
        with (
            self.open_atomic(rel) as handle,
            pq.ParquetWriter(handle, schema, **PARQUET_OPTIONS) as writer,
        ):
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows

    def write_csv(self, rel: str, table: pa.Table) -> None:
        with self.open_atomic(rel) as handle:
            pacsv.write_csv(table, handle)

    def write_json(self, rel: str, obj: Any) -> None:
        data = json.dumps(obj, indent=2, sort_keys=True, default=str).encode()
        with self.open_atomic(rel) as handle:
            handle.write(data + b"\n")

    def delete(self, rel: str) -> None:
        """Remove ``rel`` if it exists (a rerun clearing what an earlier run left)."""
        with contextlib.suppress(FileNotFoundError), self._s3("delete", rel):
            self.fs.rm_file(self.path(rel))

    def delete_folder(self, rel: str) -> None:
        """Remove the folder ``rel`` and everything under it, if it exists."""
        if self.is_s3:
            self.fs.invalidate_cache()  # another writer may have changed it since we looked
        with self._s3("delete", rel):
            if self.fs.isdir(self.path(rel)):
                self.fs.rm(self.path(rel), recursive=True)

    # ---- reading ------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        with self._s3("read", rel):
            return bool(self.fs.exists(self.path(rel)))

    def is_file(self, rel: str) -> bool:
        with self._s3("read", rel):
            return bool(self.fs.isfile(self.path(rel)))

    def read_json(self, rel: str) -> Any:
        with self._s3("read", rel), self.fs.open(self.path(rel), "rb") as handle:
            return json.loads(handle.read())

    def read_parquet(self, rel: str) -> pa.Table:
        with self._s3("read", rel), self.fs.open(self.path(rel), "rb") as handle:
            return pq.read_table(handle, **READ_OPTIONS)

    def glob(self, pattern: str) -> list[str]:
        """Relative paths matching ``pattern``, sorted."""
        if self.is_s3:
            self.fs.invalidate_cache()
            with self._s3("list", pattern):
                return sorted(self.relative(p) for p in self.fs.glob(self.path(pattern)))
        # The standard library lists only the folders the pattern walks through; fsspec's
        # local glob stats every file under the first wildcard (all datasets, all days).
        matches = stdlib_glob.glob(f"{stdlib_glob.escape(self.root)}/{pattern}")
        return sorted(self.relative(p) for p in matches)

    def count_rows(self, rels: list[str]) -> int:
        """Rows in these Parquet files, from their footers (no data is read)."""
        if not rels:
            return 0
        with self._s3("read", rels[0] if len(rels) == 1 else f"{len(rels)} files under {rels[0]}"):
            paths = [self.path(r) for r in rels]
            return int(pads.dataset(paths, filesystem=self.fs, format="parquet").count_rows())

    def _s3(self, action: str, rel: str) -> contextlib.AbstractContextManager[None]:
        """On S3, a failure after the client's retries as one line naming the object."""
        return s3_errors(action, self.uri(rel)) if self.is_s3 else contextlib.nullcontext()
