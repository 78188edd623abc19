"""Which archive format a file holds, and opening it (gzip and zstd read directly).

The format is taken from ``--format`` when given, else from the file: Parquet by its magic
bytes, JSON lines (snscrape) when the first record is a tweet object, CSV otherwise, and a
CSV whose header has the Kaggle "Bitcoin Tweets" columns is that dataset. Compression is
recognised by its magic bytes (``.gz``/``.zst`` names are only a hint), so a renamed file
still opens. Text is UTF-8; a byte-order mark says UTF-16 or UTF-32 (decoded to UTF-8 as it
is read) or UTF-8 with a BOM (the mark is skipped); text in any other encoding is refused
with a message that shows its first bytes as printable text.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from cryptopulse.sources.archive.errors import ArchiveError, printable
from cryptopulse.sources.social import part_name

FORMATS: tuple[str, ...] = ("snscrape", "kaggle", "csv", "parquet")

# Columns that make a CSV the Kaggle "Bitcoin Tweets" dataset.
KAGGLE_REQUIRED = frozenset({"user_name", "date", "text"})
KAGGLE_MARKERS = frozenset({"user_followers", "user_verified", "is_retweet"})

_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd"}
_COMPRESSED_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_FORMAT_SUFFIXES = {
    ".jsonl": "snscrape",
    ".ndjson": "snscrape",
    ".json": "snscrape",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_STRIP_SUFFIXES = {*_COMPRESSED_SUFFIXES, *_FORMAT_SUFFIXES, ".txt", ".tsv"}
SNIFF_BYTES = 256 * 1024
# Byte-order marks, longest first (UTF-32's little-endian mark starts like UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class InputFile:
    """An archive file to import: where it is, what it holds, and how it is compressed."""

    path: Path
    format: str
    compression: str | None  # "gzip", "zstd" or None
    size: int
    mtime: float
    header: tuple[str, ...] = ()  # CSV column names (empty for other formats)
    encoding: str = "utf-8"  # or utf-8-sig, utf-16, utf-32 (told by a byte-order mark)

    def open(self) -> tuple[pa.NativeFile, pa.NativeFile]:
        """(the file, its decompressed stream as UTF-8 with no byte-order mark):
        ``file.tell()`` is how far reading got."""
        raw, stream = open_stream(self.path, self.compression)
        if self.encoding == "utf-8-sig":
            stream.read(3)
        elif self.encoding != "utf-8":
            stream = pa.PythonFile(_Transcoded(stream, self.encoding), mode="r")
        return raw, stream

    @property
    def stem(self) -> str:
        """The file name without its format and compression extensions, as an import name."""
        name = self.path.name
        while True:
            suffix = Path(name).suffix.lower()
            if suffix not in _STRIP_SUFFIXES or suffix == name.lower():
                break
            name = name[: -len(suffix)]
        return part_name(name)


def _undecodable(error: UnicodeError) -> tuple[str, int]:
    """Undecodable bytes as lone surrogates: encoded with ``surrogatepass`` they are bytes
    no UTF-8 reader accepts, so the line holding them is quarantined as invalid UTF-8."""
    assert isinstance(error, UnicodeDecodeError)
    return "\udcff" * (error.end - error.start), error.end


codecs.register_error("cryptopulse.undecodable", _undecodable)


class _Transcoded(io.RawIOBase):
    """A UTF-16/32 stream read as UTF-8. Bytes that do not decode make their own line
    invalid UTF-8 (quarantined with that reason) instead of ending the import, as a strict
    decoder would."""

    def __init__(self, stream: pa.NativeFile, encoding: str) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="cryptopulse.undecodable")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        while len(self._pending) < want:
            data = self._stream.read(max(want - len(self._pending), 1 << 16))
            text = self._decoder.decode(data, final=not data)
            self._pending += text.encode("utf-8", errors="surrogatepass")
            if not data:
                break
        out, self._pending = self._pending[:want], self._pending[want:]
        return out

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_stream(path: Path, compression: str | None) -> tuple[pa.NativeFile, pa.NativeFile]:
    raw = pa.OSFile(str(path), "rb")
    if compression is None:
        return raw, raw
    return raw, pa.CompressedInputStream(raw, compression)


def inspect_input(path: str | Path, fmt: str | None = None) -> InputFile:
    """Check ``path`` exists and find its compression and format (``fmt`` when given)."""
    file = Path(path).expanduser()
    if fmt is not None and fmt not in FORMATS:
        raise ArchiveError(f"unknown format {fmt!r}; accepted: {', '.join(FORMATS)}")
    if not file.exists():
        raise ArchiveError(f"no such file: {file}")
    if not file.is_file():
        raise ArchiveError(f"not a file: {file} (give one archive file at a time)")
    stat = file.stat()
    try:
        with open(file, "rb") as handle:
            first_mib = handle.read(1 << 20)
    except OSError as exc:
        raise ArchiveError(f"cannot read {file}: {exc.strerror or exc}") from None
    compression = _compression(first_mib, file)
    head = _decompressed_head(file, compression)
    encoding = text_encoding(head)
    if found_parquet := head.startswith(b"PAR1"):
        encoding = "utf-8"
    else:
        head = as_utf8(head, encoding, file)
    found = fmt or ("parquet" if found_parquet else _detect_format(file, compression, head))
    if found == "parquet" and compression is not None:
        raise ArchiveError(
            f"{file} is a {compression}-compressed Parquet file: decompress it first "
            "(Parquet compresses its own pages)"
        )
    header: tuple[str, ...] = ()
    if found in ("csv", "kaggle"):
        header = csv_header(head, file)
    return InputFile(
        path=file.resolve(),
        format=found,
        compression=compression,
        size=stat.st_size,
        mtime=stat.st_mtime,
        header=header,
        encoding=encoding,
    )


def text_encoding(head: bytes) -> str:
    """The encoding a byte-order mark tells, else UTF-8."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return "utf-8"


def as_utf8(head: bytes, encoding: str, file: Path) -> bytes:
    """The first bytes of the file as UTF-8 with no byte-order mark; text that is UTF-16
    without a mark is refused (its every other byte is a NUL, nothing else reads it)."""
    if encoding == "utf-8":
        sample = head[:4096]
        if len(sample) >= 8 and _utf16_like(sample):
            raise ArchiveError(
                f"{file} looks like UTF-16 text without a byte-order mark: save it as UTF-8 "
                f"(e.g. `iconv -f UTF-16LE -t UTF-8 {file.name} > {file.stem}.utf8"
                f"{file.suffix}`); its first bytes: {printable(head[:60])}"
            )
        return head
    if encoding == "utf-8-sig":
        return head[3:]
    # cut at a whole number of code units so the sniffed text decodes cleanly
    unit = 4 if encoding == "utf-32" else 2
    return head[: len(head) - len(head) % unit].decode(encoding, errors="replace").encode()


def _utf16_like(sample: bytes) -> bool:
    """Mostly ASCII as UTF-16: one byte of each pair a NUL, the other almost never."""
    shares = [half.count(0) / len(half) for half in (sample[0::2], sample[1::2])]
    return max(shares) >= 0.9 and min(shares) <= 0.1


def _compression(first_bytes: bytes, file: Path) -> str | None:
    for magic, codec in _MAGIC.items():
        if first_bytes.startswith(magic):
            return codec
    suffix = file.suffix.lower()
    if suffix in _COMPRESSED_SUFFIXES and first_bytes:
        raise ArchiveError(
            f"{file} is named {suffix} but is not {_COMPRESSED_SUFFIXES[suffix]}-compressed "
            "(its first bytes say otherwise): rename it or recompress it"
        )
    return None


def _decompressed_head(file: Path, compression: str | None) -> bytes:
    raw, stream = open_stream(file, compression)
    try:
        return bytes(stream.read(SNIFF_BYTES))
    except (OSError, pa.ArrowInvalid) as exc:
        raise ArchiveError(f"cannot decompress {file} ({compression}): {exc}") from None
    finally:
        stream.close()
        raw.close()


def _detect_format(file: Path, compression: str | None, head: bytes) -> str:
    inner = file.name.lower()
    for suffix in _COMPRESSED_SUFFIXES:
        inner = inner.removesuffix(suffix)
    by_name = _FORMAT_SUFFIXES.get(Path(inner).suffix)
    text = head.lstrip()
    if text.startswith(b"{"):
        first = _first_json_record(text)
        if first is None or is_tweet(first):
            return "snscrape"
        keys = ", ".join(sorted(first)[:8]) if isinstance(first, dict) else type(first).__name__
        keys = printable(keys, 200)
        raise ArchiveError(
            f"{file} holds JSON lines, but its first record is not an snscrape tweet "
            f"(keys: {keys}); JSON lines are imported as snscrape tweets only: convert the "
            "file to CSV or Parquet and use --format csv/parquet with --map"
        )
    if text.startswith(b"["):
        raise ArchiveError(
            f"{file} holds a JSON array; JSON is imported as JSON lines (one snscrape tweet "
            "per line, e.g. `jq -c '.[]' FILE > FILE.jsonl`), or convert it to CSV or Parquet "
            "and use --format csv/parquet with --map"
        )
    if by_name == "parquet":
        raise ArchiveError(f"{file} is named .parquet but is not a Parquet file")
    if not head:
        return by_name or "csv"
    if b"\x00" in head[:4096]:
        raise ArchiveError(
            f"cannot tell the format of {file}: it is binary, and neither Parquet, gzip nor "
            f"zstd, nor text with a byte-order mark; pass --format (its first bytes: "
            f"{printable(head[:40])})"
        )
    header = csv_header(head, file)
    if set(header) >= KAGGLE_REQUIRED and KAGGLE_MARKERS & set(header):
        return "kaggle"
    if len(header) < 2 and by_name != "csv":
        raise ArchiveError(
            f"cannot tell the format of {file}: not JSON lines, not Parquet, and its first "
            f"line is not a CSV header; pass --format ({', '.join(FORMATS)})"
        )
    return "csv"


def _first_json_record(text: bytes) -> object | None:
    line = text.split(b"\n", 1)[0]
    try:
        return json.loads(line)
    except ValueError:
        return None  # unreadable first line: the import quarantines it


def is_tweet(record: object) -> bool:
    """An snscrape tweet object: its ``_type`` says so (older dumps lack ``_type``: then
    an id, a date and content)."""
    if not isinstance(record, dict):
        return False
    kind = record.get("_type")
    if isinstance(kind, str):
        return kind.endswith(".Tweet")
    return "id" in record and "date" in record and ("rawContent" in record or "content" in record)


def csv_header(head: bytes, file: Path) -> tuple[str, ...]:
    """The column names of a CSV file from its first (UTF-8) bytes."""
    if b"\x00" in head.split(b"\n", 1)[0]:  # UTF-16/32 is decoded already: binary
        raise ArchiveError(
            f"{file} is binary, not CSV text (its first bytes: {printable(head[:40])}): "
            "check the file, or pass the right --format"
        )
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        row = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise ArchiveError(
            f"cannot read the CSV header of {file}: {printable(str(exc), 200)}"
        ) from None
    names = tuple(name.strip() for name in row)
    if any(not name.isprintable() or "\ufffd" in name for name in names):
        first_line = text.split("\n", 1)[0]
        raise ArchiveError(
            f"{file}: its first line is not a CSV header of UTF-8 text ({printable(first_line)}); "
            "save the file as UTF-8 (UTF-16 and UTF-32 with a byte-order mark are read too)"
        )
    return names
