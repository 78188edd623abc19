"""snscrape JSON lines: one tweet object per line, as ``snscrape --jsonl twitter-search`` wrote.

One line is one post, landed under source ``x`` with the tweet's own id, so the warehouse
de-duplicates these against the X API source. A retweet is a post of its own (its id, the
retweeter, its ``RT @…`` text, as the X API returns it); the tweets embedded in a line
(``retweetedTweet``, ``quotedTweet``) are not landed as posts of their own: they were not
what the scraper collected, and stay available in the ``raw`` column (the original line).

Parsing uses a typed msgspec decoder when msgspec is installed (it reads only the fields
used, about 4x faster than ``json``), falling back to a generic parse for unusual lines
(counts as text, a missing user) and to the standard library without msgspec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from cryptopulse.core.batch import Reject
from cryptopulse.sources.archive.chunks import Piece
from cryptopulse.sources.archive.errors import ArchiveError, printable
from cryptopulse.sources.archive.formats import InputFile, is_tweet
from cryptopulse.sources.archive.limits import (
    MAX_JSON_DEPTH,
    MAX_RECORD_BYTES,
    too_deep_reason,
    too_long_reason,
)
from cryptopulse.sources.archive.lines import TOO_LONG_HEAD, LineBlock, line_blocks

try:  # a pinned dependency (fast typed decoding); the standard library still works without
    import msgspec
except ImportError:  # pragma: no cover - exercised only without msgspec
    msgspec = None  # type: ignore[assignment]

SOURCE = "x"
# Column order of the values a parsed line gives (source, collected_for and raw are added).
_FIELDS = (
    "post_id",
    "created_at",
    "author",
    "text",
    "language",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "url",
)
Row = tuple[Any, ...]

if msgspec is not None:

    class _User(msgspec.Struct):
        username: str | None = None

    class _Tweet(msgspec.Struct):
        """The fields of a tweet line that become the post; the rest stay in ``raw``."""

        id: int | str
        date: str
        _type: str | None = None
        rawContent: str | None = None
        content: str | None = None  # snscrape before 0.5
        user: _User | None = None
        username: str | None = None  # snscrape before 0.4 had no user object
        lang: str | None = None
        likeCount: int | None = None
        retweetCount: int | None = None
        replyCount: int | None = None
        quoteCount: int | None = None
        url: str | None = None

    _decoder = msgspec.json.Decoder(_Tweet)
    _generic: Callable[[bytes | memoryview], Any] = msgspec.json.decode
    _DecodeError: tuple[type[Exception], ...] = (msgspec.DecodeError,)
else:  # pragma: no cover

    def _generic(line: bytes | memoryview) -> Any:
        return json.loads(bytes(line))

    _DecodeError = (ValueError,)


def read_snscrape(file: InputFile, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Piece]:
    """The posts of an snscrape JSON lines file, a block of lines at a time."""
    raw, stream = file.open()
    valid = 0  # posts read so far
    try:
        for block in line_blocks(raw, stream, max_line_bytes=max_record_bytes):
            piece = parse_block(block, valid, max_record_bytes)
            valid += piece.records.num_rows
            yield piece
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ArchiveError(
            f"cannot read {file.path} past byte {raw.tell():,} of {file.size:,}: "
            f"{printable(str(exc), 200)} (the "
            "chunks before that point are landed; fix the file and import it again)"
        ) from None
    finally:
        stream.close()
        raw.close()


def parse_block(block: LineBlock, valid: int, max_bytes: int = MAX_RECORD_BYTES) -> Piece:
    """A block's lines as posts and rejects (``valid``: the posts read before it)."""
    rows: list[Row] = []
    kept: list[int] = []  # the block's lines that are posts
    rejects = [
        (valid, Reject(_shown(head) + "…", too_long_reason("line", number, max_bytes)))
        for number, head in block.too_long
    ]
    view = memoryview(block.data)
    decode = _decoder.decode if msgspec is not None else None
    too_deep = _too_deep(block)
    for i, (start, end) in enumerate(zip(block.starts.tolist(), block.ends.tolist(), strict=True)):
        line = view[start:end]
        if end - start < 64 and not bytes(line).strip():
            continue  # a blank line is no record
        if end - start > max_bytes or i in too_deep:
            number = block.first_number + i
            why = (
                too_long_reason("line", number, max_bytes)
                if end - start > max_bytes
                else too_deep_reason("line", number)
            )
            head = _shown(line[:TOO_LONG_HEAD]) + ("…" if end - start > TOO_LONG_HEAD else "")
            rejects.append((valid + len(rows), Reject(head, why)))
            continue
        row: Row | None = None
        if decode is not None:  # the fast path, inlined: it runs once per line
            try:
                tweet = decode(line)
                if tweet._type is None or tweet._type.endswith(".Tweet"):
                    row = _typed_row(tweet)
            except (
                msgspec.ValidationError,
                msgspec.DecodeError,
                UnicodeDecodeError,
                RecursionError,
            ):
                pass  # the full parse below says what is wrong
        if row is None:
            row, reason = parse_line(line, block.first_number + i)
            if reason is not None:
                rejects.append((valid + len(rows), Reject(_shown(line), reason)))
                continue
        assert row is not None
        rows.append(row)
        kept.append(i)
    index = np.array(kept, np.int64)
    sizes = block.ends[index] - block.starts[index] + 1
    return Piece(_table(rows, _lines(block, index)), sizes, tuple(rejects), block.bytes_read)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _too_deep(block: LineBlock, max_depth: int = MAX_JSON_DEPTH) -> set[int]:
    """The block's lines nested deeper than ``max_depth``. Only a line with more opening
    brackets than that can be (one pass over the block counts them); for those few, the
    depth is measured with the line's strings taken out (a text may hold brackets)."""
    if not len(block):
        return set()
    view = np.frombuffer(block.data, np.uint8, count=block.stop)
    opens = view == ord("[")
    opens |= view == ord("{")
    counts = np.add.reduceat(opens, block.starts, dtype=np.int64)
    found = set()
    for i in np.flatnonzero(counts > max_depth).tolist():
        line = _STRING.sub(b"", block.data[block.starts[i] : block.ends[i]])
        text = np.frombuffer(line, np.uint8)
        steps = ((text == ord("[")) | (text == ord("{"))).astype(np.int32)
        steps -= (text == ord("]")) | (text == ord("}"))
        if len(steps) and int(np.cumsum(steps).max()) > max_depth:
            found.add(i)
    return found


def _lines(block: LineBlock, index: np.ndarray) -> pa.Array:
    """The lines ``index`` of the block as one text array, copied out of the block's buffer
    in one pass (no Python object per line). The parser decoded each of them as UTF-8."""
    if len(index) == 0:
        return pa.array([], pa.string())
    # data[:stop] is line 0, its break, line 1, its break, …: keep the wanted lines' bytes.
    kept = np.zeros(len(block), np.bool_)
    kept[index] = True
    breaks_end = np.append(block.starts[1:], block.stop)
    segments = np.empty(2 * len(block), np.int64)
    segments[0::2] = block.ends - block.starts
    segments[1::2] = breaks_end - block.ends
    flags = np.zeros(2 * len(block), np.bool_)
    flags[0::2] = kept
    keep = np.repeat(flags, segments)
    data = np.frombuffer(block.data, np.uint8, count=block.stop)[keep]
    lengths = (block.ends - block.starts)[index]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), len(index), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _shown(line: bytes | memoryview) -> str:
    return bytes(line).decode("utf-8", errors="backslashreplace")


def parse_line(line: bytes | memoryview, number: int) -> tuple[Row | None, str | None]:
    """A line as post values, or why it is not a post."""
    if msgspec is not None:
        try:
            tweet = _decoder.decode(line)
        except msgspec.ValidationError:
            pass  # valid JSON of another shape: the generic parse below says what it is
        except msgspec.DecodeError as exc:
            return None, f"invalid JSON: line {number}: {exc}"
        except UnicodeDecodeError as exc:
            return None, f"invalid UTF-8: line {number}: {exc.reason}"
        except RecursionError:
            return None, too_deep_reason("line", number)
        else:
            if tweet._type is None or tweet._type.endswith(".Tweet"):
                return _typed_row(tweet), None
    try:
        record = _generic(line)
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8: line {number}: {exc.reason}"
    except RecursionError:
        return None, too_deep_reason("line", number)
    except _DecodeError as exc:
        return None, f"invalid JSON: line {number}: {exc}"
    if not is_tweet(record):
        return None, f"not a tweet: line {number}: {_what(record)}"
    return _loose_row(record), None


def _typed_row(tweet: Any) -> Row:
    author = tweet.user.username if tweet.user is not None else tweet.username
    return (
        str(tweet.id),
        tweet.date,
        author,
        tweet.rawContent if tweet.rawContent is not None else tweet.content,
        tweet.lang,
        tweet.likeCount,
        tweet.retweetCount,
        tweet.replyCount,
        tweet.quoteCount,
        tweet.url,
    )


def _loose_row(record: dict[str, Any]) -> Row:
    """Post values from a tweet object of any shape; loosely typed values are left for
    the lake to conform (and quarantine with a reason)."""
    user = record.get("user")
    author = user.get("username") if isinstance(user, dict) else record.get("username")
    text = record.get("rawContent")
    if text is None:
        text = record.get("content")
    tweet_id = record.get("id")
    return (
        None if tweet_id is None else str(tweet_id),
        _text(record.get("date")),
        _text(author),
        _text(text),
        _text(record.get("lang")),
        record.get("likeCount"),
        record.get("retweetCount"),
        record.get("replyCount"),
        record.get("quoteCount"),
        _text(record.get("url")),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _what(record: Any) -> str:
    if isinstance(record, dict):
        kind = record.get("_type")
        if isinstance(kind, str):
            return f"_type {kind}"
        return "an object without id, date and content"
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return f"{names.get(type(record), 'a number')}, not a tweet object"


def _table(rows: list[Row], lines: pa.Array) -> pa.Table:
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_FIELDS)
    arrays: dict[str, pa.Array] = {"source": pa.array([SOURCE] * n, pa.string())}
    for name, values in zip(_FIELDS, columns, strict=True):
        arrays[name] = _array(list(values))
    arrays["collected_for"] = pa.nulls(n, pa.string())
    arrays["raw"] = lines.cast(pa.string())  # the original lines, without line breaks
    return pa.table(arrays)


def _array(values: list[Any]) -> pa.Array:
    """Values as one Arrow column; a mix of types (a count given as text) becomes text, and
    so do arrays and objects (as JSON): the lake says why such a value is no count."""
    if any(isinstance(v, (list, dict)) for v in values):
        return pa.array([None if v is None else _text(v) for v in values], pa.string())
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
    if pa.types.is_boolean(array.type):  # a count of true is no count: let conform say so
        return array.cast(pa.string())
    return array
