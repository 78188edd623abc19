"""Texts stored as Python byte-string literals, a known artifact of published tweet datasets.

Some datasets were written with ``str(text.encode("utf-8"))``, so a tweet arrives as the
literal ``b'Bitcoin Price Drops to $4,300, What\\xe2\\x80\\x99s Next\\xe2\\x80\\xa6'``: its
words, emoji and sentiment are all wrong until decoded. A text is taken for such a literal
only when the whole of it has the literal's shape (``b'…'`` or ``b"…"``, printable ASCII,
the delimiting quote escaped inside, only Python's byte escapes); it is then decoded with
``codecs.escape_decode`` (linear, no evaluation of code, unlike ``ast.literal_eval``) and
the bytes as UTF-8. A text that looks like a literal (``b'`` … with ``\\x`` escapes) but does
not decode is quarantined with the reason; any other text is left alone ("b'day party'").
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import cast

import pyarrow as pa

from cryptopulse.core.batch import Reject
from cryptopulse.core.datasets import MAX_TEXT_CHARS
from cryptopulse.sources.archive.errors import ArchiveError

# The body of a literal: printable ASCII but the quote and the backslash, or an escape.
_ESCAPE = r"\\(?:x[0-9a-fA-F]{2}|[0-7]{1,3}|[\\'\"abfnrtv\n])"
_LITERAL = {
    "'": re.compile(rf"b'((?:[ -&(-\[\]-~\"]|{_ESCAPE})*)'", re.ASCII),
    '"': re.compile(rf'b"((?:[ -!#-\[\]-~\']|{_ESCAPE})*)"', re.ASCII),
}
_HEX_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}")
# Each byte of a literal takes at most 4 characters (\xhh): longer is no post anyway.
MAX_LITERAL_CHARS = 4 * MAX_TEXT_CHARS + 3


class NotDecodable(ArchiveError):
    """A text that looks like a byte-string literal but does not decode (the import
    quarantines that record with the message as its reason)."""


def decode_byte_literal(text: str) -> str | None:
    """The decoded text when ``text`` is a byte-string literal, None when it is not one.

    Raises ``NotDecodable`` (with the reason) for a text that looks like a literal, with
    ``\\x`` escapes, but is malformed or does not hold UTF-8."""
    if len(text) < 3 or text[0] != "b" or text[1] not in "'\"":
        return None
    stripped = text.strip()
    if len(stripped) > MAX_LITERAL_CHARS:
        return None  # too long to be a post: the lake quarantines it for its length
    match = _LITERAL[stripped[1]].fullmatch(stripped)
    if match is None:
        if _HEX_ESCAPE.search(stripped) is None:
            return None  # an ordinary text that starts with b' ("b'day party tonight")
        raise NotDecodable(_why_malformed(stripped))
    try:
        # typeshed says str; escape_decode returns the bytes the escapes stand for
        data = cast(bytes, codecs.escape_decode(match.group(1).encode("ascii"))[0])
    except ValueError as exc:  # an escape the pattern let through but the codec refuses
        raise NotDecodable(f"byte-string literal with a bad escape: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotDecodable(
            f"byte-string literal that is not UTF-8: byte {exc.start} ({exc.reason})"
        ) from None


def _why_malformed(text: str) -> str:
    quote = text[1]
    if not text.endswith(quote) or len(text) < 3:
        return "byte-string literal without its closing quote (cut short?)"
    if any(ord(c) > 0x7E or (ord(c) < 0x20 and c != "\n") for c in text):
        return "byte-string literal with characters a literal cannot hold (not ASCII)"
    return "byte-string literal with a bad escape or an unescaped quote"


@dataclass(frozen=True)
class Decoded:
    """A table's texts with byte-string literals decoded, and what could not be."""

    records: pa.Table  # the records that stay, texts decoded
    rejects: tuple[Reject, ...]  # records whose literal does not decode, with the reason
    decoded: int  # texts that were literals and are now real text


def decode_text_column(records: pa.Table) -> Decoded:
    """Decode the byte-string literals of ``records``' ``text`` column. A rejected record's
    quarantine row shows its ``raw`` column (the untouched source record) when it has one,
    else its text."""
    if "text" not in records.column_names or records.num_rows == 0:
        return Decoded(records, (), 0)
    column = records.column("text")
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return Decoded(records, (), 0)
    texts = column.to_pylist()
    shown = records.column("raw").to_pylist() if "raw" in records.column_names else None
    out: list[str | None] = []
    keep: list[bool] = []
    rejects: list[Reject] = []
    decoded = 0
    for row, text in enumerate(texts):
        if text is None or not text.startswith(("b'", 'b"')):
            out.append(text)
            keep.append(True)
            continue
        try:
            value = decode_byte_literal(text)
        except NotDecodable as exc:
            raw = shown[row] if shown is not None else None
            rejects.append(Reject(raw if isinstance(raw, str) else text, str(exc)))
            out.append(text)
            keep.append(False)
            continue
        out.append(text if value is None else value)
        keep.append(True)
        decoded += value is not None
    if not decoded and not rejects:
        return Decoded(records, (), 0)
    index = records.column_names.index("text")
    table = records.set_column(index, records.schema.field(index), pa.array(out, column.type))
    if rejects:
        table = table.filter(pa.array(keep))
    return Decoded(table, tuple(rejects), decoded)
