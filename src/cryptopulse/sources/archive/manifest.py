"""The lake's record of each import (``state/imports/<name>.json``) and its clean-up.

An import name owns the lake files its parts are named after
(``raw/<source>/posts/date=D/<source>_posts_D_<name>-cNNNNN.parquet`` and the quarantine
files beside them). Re-importing under the same name rewrites the chunks it produces and
deletes the files of the earlier import it no longer produces (a file that shrank, a
different chunk size), with their enrich results, so one name never holds a post twice.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from typing import Any

from cryptopulse.lake import Lake, layout
from cryptopulse.sources.archive.errors import ArchiveError
from cryptopulse.sources.archive.formats import InputFile

IMPORTS = f"{layout.STATE}/imports"


def chunk_part(name: str, number: int) -> str:
    """The part name of an import's chunk: ``<name>-c00001``."""
    return f"{name}-c{number:05d}"


def manifest_path(name: str) -> str:
    return f"{IMPORTS}/{name}.json"


def load(lake: Lake, name: str) -> dict[str, Any] | None:
    """The manifest of the last complete import called ``name``, if any."""
    rel = manifest_path(name)
    if not lake.exists(rel):
        return None
    try:
        data = lake.read_json(rel)
    except ValueError:
        return None  # unreadable: the name glob below still finds its files
    return data if isinstance(data, dict) else None


def check_same_input(
    previous: dict[str, Any] | None, file: InputFile, source: str, name: str, replace: bool
) -> None:
    """Refuse to replace another file's import (or another source's) by accident."""
    if previous is None or replace:
        return
    before = previous.get("file", {}).get("path")
    if before is not None and before != str(file.path):
        raise ArchiveError(
            f"an import named {name!r} already holds {before} "
            f"({previous.get('rows_landed', 0):,} posts); importing {file.path} under the same "
            "name would replace it. Pass --name NAME to keep both, or --replace to replace it"
        )
    if previous.get("source") not in (None, source):
        raise ArchiveError(
            f"the import named {name!r} landed its posts under source "
            f"{previous.get('source')!r}, not {source!r}; pass --replace to move it, or "
            "--name NAME to import it separately"
        )


def chunk_files(lake: Lake, source: str, name: str) -> list[str]:
    """Every lake file (raw and quarantine) named after an import's chunks."""
    exact = re.compile(
        rf"{re.escape(source)}_posts_\d{{4}}-\d\d-\d\d_{re.escape(name)}-c\d{{5,}}\.parquet"
    )
    found: list[str] = []
    for zone in (layout.RAW, layout.QUARANTINE):
        pattern = f"{zone}/{source}/posts/date=*/{source}_posts_*_{name}-c*.parquet"
        found.extend(p for p in lake.glob(pattern) if exact.fullmatch(posixpath.basename(p)))
    return found


def remove_leftovers(lake: Lake, sources: Iterable[str], name: str) -> list[str]:
    """Delete the temporary files an interrupted import under ``name`` left (a process
    killed while writing; ``Lake.open_atomic`` names them ``.<file>.tmp-<id>``): the name
    owns them, so a rerun starts clean. Object stores leave none."""
    patterns = [f"{IMPORTS}/.{name}.json.tmp-*"]
    for source in dict.fromkeys(sources):
        for zone in (layout.RAW, layout.QUARANTINE):
            patterns.append(f"{zone}/{source}/posts/date=*/.{source}_posts_*_{name}-c*.tmp-*")
    found = sorted({rel for pattern in patterns for rel in lake.glob(pattern)})
    for rel in found:
        lake.delete(rel)
    return found


def remove_stale(
    lake: Lake,
    previous: dict[str, Any] | None,
    source: str,
    name: str,
    written: Iterable[str],
) -> list[str]:
    """Delete the files of the earlier import under ``name`` this one did not write."""
    keep = set(written)
    candidates = set(chunk_files(lake, source, name))
    if previous is not None:
        candidates.update(str(f) for f in previous.get("files", []))
        if previous.get("source") not in (None, source):
            candidates.update(chunk_files(lake, str(previous["source"]), name))
    stale = sorted(candidates - keep)
    for rel in stale:
        lake.delete(rel)
        if rel.startswith(f"{layout.RAW}/"):
            for result in enrich_results(lake, rel):
                lake.delete(result)
    return stale


def enrich_results(lake: Lake, raw_posts_file: str) -> list[str]:
    """The enrich step's result files of a raw posts file (every version of each kind)."""
    partition = posixpath.basename(posixpath.dirname(raw_posts_file))
    source = raw_posts_file.split("/")[1]
    stem = posixpath.basename(raw_posts_file).removeprefix(f"{source}_posts_")
    return lake.glob(f"enrich/*/*/{partition}/{source}_*_{stem}")


HEAD_BYTES = 1 << 20


def head_sha256(file: InputFile, nbytes: int = HEAD_BYTES) -> str:
    """A hash of the first ``nbytes`` of the file: the same for a file grown at its end."""
    with open(file.path, "rb") as handle:
        return hashlib.sha256(handle.read(nbytes)).hexdigest()


def file_record(file: InputFile) -> dict[str, Any]:
    head = min(file.size, HEAD_BYTES)
    return {
        "path": str(file.path),
        "size": file.size,
        "mtime": file.mtime,
        "head_bytes": head,
        "head_sha256": head_sha256(file, head),
        "format": file.format,
        "compression": file.compression,
    }


def relation(previous: dict[str, Any] | None, file: InputFile) -> str:
    """How ``file`` relates to the one the previous import under its name read."""
    before = (previous or {}).get("file")
    if not isinstance(before, dict) or before.get("path") != str(file.path):
        return "new"
    try:
        head = head_sha256(file, int(before.get("head_bytes", HEAD_BYTES)))
    except OSError:
        return "changed"
    if head != before.get("head_sha256") or file.size < int(before.get("size", 0)):
        return "changed"
    if file.size == before.get("size") and file.mtime == before.get("mtime"):
        return "unchanged"
    return "grown" if file.size > int(before.get("size", 0)) else "changed"


def save(lake: Lake, name: str, record: dict[str, Any]) -> None:
    lake.write_json(manifest_path(name), record)
