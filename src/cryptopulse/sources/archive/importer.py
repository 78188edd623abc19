"""The import step: an archive file, streamed in chunks, landed in the lake's raw posts.

Each chunk (at most 50k records by default) is split by UTC day and landed through the
lake's ``land_batch`` with the part name ``<import name>-c<chunk number>``, so landing it
again overwrites the same files. Unreadable records go to the quarantine with the chunk
(``rows read = landed + quarantined``). Texts that are Python byte-string literals, an
artifact of published tweet datasets, are decoded first (``byteliterals``) and counted.
While one chunk lands, the next is read: memory
holds about two chunks whatever the file's size. The import's manifest
(``state/imports/<name>.json``) is written once every chunk has landed, and files of an
earlier import under the same name that this one did not write are deleted.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.core.datasets import POSTS, UTC_TS
from cryptopulse.lake import Lake, layout
from cryptopulse.lake.conform import cast_column
from cryptopulse.lake.land import Landing, land_batch
from cryptopulse.sources.archive import manifest
from cryptopulse.sources.archive.byteliterals import decode_text_column
from cryptopulse.sources.archive.chunks import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_ROWS,
    Chunk,
    Piece,
    chunked,
)
from cryptopulse.sources.archive.errors import ArchiveError
from cryptopulse.sources.archive.formats import InputFile, inspect_input
from cryptopulse.sources.archive.limits import MAX_RECORD_BYTES
from cryptopulse.sources.archive.snscrape import SOURCE as SNSCRAPE_SOURCE
from cryptopulse.sources.archive.snscrape import read_snscrape
from cryptopulse.sources.archive.tabular import (
    KAGGLE_MAPPING,
    parquet_columns,
    read_tabular,
    resolve_mapping,
)
from cryptopulse.sources.social import part_name, posts_batches

DEFAULT_PLATFORM = "import"
_PLATFORM = re.compile(r"[a-z][a-z0-9-]{0,31}")
DUPLICATE = f"duplicate key ({', '.join(POSTS.key)})"

# (bytes of the file read so far, the file's size)
ImportProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """What ``cryptopulse import-posts`` was asked to do."""

    path: str
    format: str | None = None
    mapping: tuple[str, ...] = ()  # "posts_column=file_column"
    platform: str | None = None
    name: str | None = None
    replace: bool = False
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    max_record_bytes: int = MAX_RECORD_BYTES  # a bigger record is quarantined, not read


@dataclass(frozen=True)
class ImportPlan:
    """A checked import: the file, the source its posts land under, its name, its reader."""

    file: InputFile
    source: str
    name: str
    mapping: dict[str, str]

    def pieces(self, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Piece]:
        if self.file.format == "snscrape":
            return read_snscrape(self.file, max_record_bytes)
        return read_tabular(self.file, self.mapping, self.source, max_record_bytes)


@dataclass
class ImportReport:
    """What an import did; the CLI prints it, the lake keeps it (manifest and run record)."""

    name: str
    source: str
    format: str
    path: str
    compression: str | None
    lake: str
    relation: str = "new"  # to the previous import under this name: new/unchanged/grown/changed
    rows_read: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    # texts that arrived as Python byte-string literals (b'...\xe2\x80\x99...'), decoded
    byte_literals_decoded: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    chunks: int = 0
    bytes_read: int = 0
    days: set[date] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    stale_removed: list[str] = field(default_factory=list)
    leftovers_removed: int = 0  # temporary files of an interrupted import, deleted
    seconds: float = 0.0
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.reasons.get(DUPLICATE, 0)

    def nothing_landed(self) -> str | None:
        """Why no post landed, in a sentence; None when some did."""
        if self.rows_landed:
            return None
        if not self.rows_read:
            return f"nothing landed: {self.path} holds no records (it is empty or blank)"
        kind = "lines" if self.format == "snscrape" else "rows"
        top = "; ".join(f"{n:,} × {reason}" for reason, n in self.reasons.most_common(3))
        every = "the" if self.rows_read == 1 else f"all {self.rows_read:,}"
        return (
            f"nothing landed: {every} {kind[:-1] if self.rows_read == 1 else kind} of "
            f"{self.path} {'was' if self.rows_read == 1 else 'were'} quarantined ({top}); "
            f"they are in {self.lake}/{layout.QUARANTINE}/{self.source}/"
        )

    def landing(self) -> Landing:
        return Landing(
            source=self.source,
            dataset=POSTS.name,
            rows_in=self.rows_read,
            rows_landed=self.rows_landed,
            rows_quarantined=self.rows_quarantined,
            files=len(self.files),
            reasons=self.reasons,
        )

    def to_dict(self) -> dict[str, Any]:
        days = sorted(self.days)
        return {
            "name": self.name,
            "source": self.source,
            "format": self.format,
            "path": self.path,
            "compression": self.compression,
            "relation": self.relation,
            "mapping": self.mapping,
            "rows_read": self.rows_read,
            "rows_landed": self.rows_landed,
            "rows_quarantined": self.rows_quarantined,
            "duplicates": self.duplicates,
            "byte_literals_decoded": self.byte_literals_decoded,
            "reasons": dict(self.reasons.most_common()),
            "chunks": self.chunks,
            "bytes_read": self.bytes_read,
            "days": len(days),
            "first_day": days[0].isoformat() if days else None,
            "last_day": days[-1].isoformat() if days else None,
            "files_written": len(self.files),
            "stale_removed": len(self.stale_removed),
            "leftovers_removed": self.leftovers_removed,
            "raw_files": f"{self.lake}/{layout.RAW}/{self.source}/posts/date=*/"
            f"{self.source}_posts_*_{self.name}-c*.parquet",
            "manifest": f"{self.lake}/{manifest.manifest_path(self.name)}",
            "seconds": round(self.seconds, 2),
        }


def plan_import(options: ImportOptions) -> ImportPlan:
    """Check everything a user can get wrong before reading a single record."""
    file = inspect_input(options.path, options.format)
    name = _import_name(options.name, file)
    if file.format in ("snscrape", "kaggle"):
        if options.platform is not None:
            raise ArchiveError(
                f"--platform applies to csv and parquet files; {file.format} posts are tweets "
                f"and land under source {SNSCRAPE_SOURCE!r}"
            )
        if options.mapping:
            raise ArchiveError(
                f"--map applies to csv and parquet files; the {file.format} format has fixed "
                "columns (use --format csv to map a CSV file's columns yourself)"
            )
    if file.format == "snscrape":
        return ImportPlan(file, SNSCRAPE_SOURCE, name, {})
    if file.format == "kaggle":
        absent = [c for c in KAGGLE_MAPPING.values() if c not in file.header]
        if absent:
            raise ArchiveError(
                f"{file.path} is not the Kaggle Bitcoin Tweets CSV: it has no column "
                f"{absent[0]!r} (use --format csv with --map for other CSV files)"
            )
        return ImportPlan(file, SNSCRAPE_SOURCE, name, dict(KAGGLE_MAPPING))
    source = _platform(options.platform)
    columns = parquet_columns(file) if file.format == "parquet" else list(file.header)
    mapping = resolve_mapping(options.mapping, columns, str(file.path))
    return ImportPlan(file, source, name, mapping)


def _import_name(given: str | None, file: InputFile) -> str:
    if given is None:
        return file.stem
    if not re.search(r"[a-z0-9]", given.lower()):
        raise ArchiveError(f"--name {given!r}: use letters, digits, '.' and '-'")
    return part_name(given)


def _platform(given: str | None) -> str:
    platform = DEFAULT_PLATFORM if given is None else given
    if not _PLATFORM.fullmatch(platform):
        raise ArchiveError(
            f"--platform {given!r}: a source name is 1-32 lower-case letters, digits and '-', "
            "starting with a letter (it names the lake folder raw/<platform>/)"
        )
    return platform


def import_posts(
    lake: Lake,
    plan: ImportPlan,
    options: ImportOptions,
    on_progress: ImportProgress | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Land every record of the planned file; returns what was done."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    previous = manifest.load(lake, plan.name)
    manifest.check_same_input(previous, plan.file, plan.source, plan.name, options.replace)
    # a kill leaves temporary files beside the name's lake files: a rerun starts clean
    sources = [plan.source, str((previous or {}).get("source") or plan.source)]
    leftovers = manifest.remove_leftovers(lake, sources, plan.name)
    report = ImportReport(
        name=plan.name,
        source=plan.source,
        format=plan.file.format,
        path=str(plan.file.path),
        compression=plan.file.compression,
        lake=lake.uri(),
        relation=manifest.relation(previous, plan.file),
        mapping=plan.mapping,
        leftovers_removed=len(leftovers),
    )
    fallback = datetime.fromtimestamp(plan.file.mtime, UTC).date()
    chunks = chunked(
        _reporting(plan.pieces(options.max_record_bytes), plan.file.size, on_progress),
        options.chunk_rows,
        options.chunk_bytes,
    )
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-land") as pool:
        landing: Future[_Landed] | None = None
        for chunk in chunks:
            fallback = _first_day(chunk.records) or fallback
            part = manifest.chunk_part(plan.name, chunk.number)
            submitted = pool.submit(_land_chunk, lake, plan.source, chunk, part, fallback, now)
            if landing is not None:  # read one chunk ahead, never more
                _add(report, landing.result())
            landing = submitted
        if landing is not None:
            _add(report, landing.result())
    report.stale_removed = manifest.remove_stale(
        lake, previous, plan.source, plan.name, report.files
    )
    report.bytes_read = plan.file.size
    report.seconds = time.perf_counter() - started
    record = report.to_dict()
    record["file"] = manifest.file_record(plan.file)
    record["imported_at"] = now.isoformat(timespec="seconds")
    record["files"] = sorted(report.files)
    manifest.save(lake, plan.name, record)
    return report


def _reporting(
    pieces: Iterable[Piece], total: int, on_progress: ImportProgress | None
) -> Iterator[Piece]:
    for piece in pieces:
        if on_progress is not None:
            on_progress(piece.bytes_read, total)
        yield piece


@dataclass
class _Landed:
    chunk: int
    rows_read: int
    landings: list[tuple[date | None, Landing]]
    files: list[str]
    byte_literals_decoded: int = 0


def _land_chunk(
    lake: Lake, source: str, chunk: Chunk, part: str, fallback: date, now: datetime
) -> _Landed:
    landed = _Landed(chunk.number, chunk.rows_read, [], [])
    # Texts stored as byte-string literals are decoded before they land (and quarantined
    # when they do not decode), so mentions and sentiment see the real text.
    decoded = decode_text_column(chunk.records)
    landed.byte_literals_decoded = decoded.decoded
    rejects = (*chunk.rejects, *decoded.rejects)
    for batch in posts_batches(decoded.records, fallback, part=part, rejects=rejects):
        result = land_batch(lake, source, batch, now)
        day = batch.day or now.date()
        landed.landings.append((batch.day, result))
        landed.files.append(layout.raw_file(source, POSTS.name, day, part=part))
        if result.rows_quarantined:
            landed.files.append(layout.quarantine_file(source, POSTS.name, day, part))
    return landed


def _add(report: ImportReport, landed: _Landed) -> None:
    report.chunks += 1
    report.rows_read += landed.rows_read
    report.byte_literals_decoded += landed.byte_literals_decoded
    for day, result in landed.landings:
        report.rows_landed += result.rows_landed
        report.rows_quarantined += result.rows_quarantined
        report.reasons.update(result.reasons)
        if result.rows_landed and day is not None:
            report.days.add(day)
    report.files.extend(landed.files)


def _first_day(records: pa.Table) -> date | None:
    """The earliest UTC day of a chunk's readable timestamps (where its rejects land)."""
    if records.num_rows == 0 or "created_at" not in records.column_names:
        return None
    stamps, _ = cast_column(records.column("created_at").combine_chunks(), UTC_TS, "created_at")
    first = pc.min(pc.cast(pc.cast(stamps, UTC_TS), pa.date32())).as_py()
    return first if isinstance(first, date) else None
