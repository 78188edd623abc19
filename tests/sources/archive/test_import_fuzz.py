"""Fuzzing every importer with hypothesis: random bytes, truncated files, mixed encodings,
huge fields, deep nesting.

The property, whatever the file: the import ends either with a clear refusal (an
``ArchiveError``: one printable line) or with every record landed or quarantined with a
reason (rows in = landed + quarantined, and the lake's files hold exactly those rows). For
files built from known records, the counts are exact: each good record lands, each bad one
is quarantined, nothing else. A fixed budget (``derandomize``: the same examples on every
run) keeps each test to a few seconds.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cryptopulse.cli import app
from cryptopulse.lake import Lake, layout
from cryptopulse.sources.archive import ArchiveError, ImportOptions, import_posts, plan_import
from cryptopulse.sources.archive.csvrecords import TooLong, csv_records
from cryptopulse.sources.archive.importer import ImportReport
from cryptopulse.sources.archive.lines import line_blocks
from cryptopulse.sources.archive.snscrape import parse_block

# A warning pyarrow prints to stderr from a callback (seen once, for a row that is not
# UTF-8) is something the user would see: it fails the test.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
MAX_RECORD = 4096  # the record bound in these tests: huge fields are cheap to make
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DATE = "2024-01-01T10:00:00+00:00"


def import_bytes(data: bytes, name: str, fmt: str | None, **options: Any) -> ImportReport | None:
    """Import ``data`` (as a file called ``name``) into a fresh lake through the Python API;
    the report, or None when the file was refused with a clear message. Checks the
    invariants on the way."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        lake = Lake(str(Path(tmp) / "lake"))
        opts = ImportOptions(path=str(path), format=fmt, max_record_bytes=MAX_RECORD, **options)
        try:
            report = import_posts(lake, plan_import(opts), opts)
        except ArchiveError as exc:
            message = str(exc)
            assert message and all(c.isprintable() for c in message), repr(message)
            assert str(path) in message or path.name in message, message
            return None
        assert_lake_matches(lake, report)
        return report


def assert_lands_exactly(data: bytes, name: str, fmt: str, good: int, bad: int) -> None:
    """A file built from known records: each good one lands, each bad one is quarantined."""
    report = import_bytes(data, name, fmt)
    assert report is not None
    assert (report.rows_landed, report.rows_quarantined) == (good, bad)


def assert_lake_matches(lake: Lake, report: ImportReport) -> None:
    assert report.rows_read == report.rows_landed + report.rows_quarantined
    assert sum(report.reasons.values()) == report.rows_quarantined
    landed = [
        lake.read_parquet(rel) for rel in lake.glob(layout.dataset_glob(layout.RAW, "posts", "*"))
    ]
    assert sum(t.num_rows for t in landed) == report.rows_landed
    quarantined = [
        row
        for rel in lake.glob(layout.dataset_glob(layout.QUARANTINE, "posts", "*"))
        for row in lake.read_parquet(rel).select(["reason"]).to_pylist()
    ]
    assert len(quarantined) == report.rows_quarantined
    assert all(row["reason"] for row in quarantined)


# ---- building blocks ---------------------------------------------------------------------
# Texts: any characters but surrogates, never blank (a blank text is refused by the lake,
# which is right, but would blur the counts).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=60).map(lambda t: "x" + t)


def tweet_line(tid: int, text: str, **extra: Any) -> bytes:
    record = {
        "_type": "snscrape.modules.twitter.Tweet",
        "id": tid,
        "date": DATE,
        "rawContent": text,
        "user": {"username": "alice"},
        "likeCount": 1,
        **extra,
    }
    return json.dumps(record, ensure_ascii=False).encode()


@st.composite
def bad_line(draw: st.DrawFn, tid: int) -> bytes:
    """A line that is not a post, of every kind the importer has to survive."""
    kind = draw(st.sampled_from(["junk", "cut", "deep", "deep tweet", "huge", "latin-1"]))
    if kind == "junk":
        line = draw(st.sampled_from(["not json", "[1, 2]", '"text"', "null", "7", "{}"]))
        return line.encode()
    if kind == "cut":  # a tweet truncated somewhere inside
        whole = tweet_line(tid, draw(texts))
        return whole[: draw(st.integers(1, len(whole) - 1))]
    depth = draw(st.integers(65, 3_000))
    if kind == "deep":
        return draw(
            st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth])
        ).encode()
    if kind == "deep tweet":
        return tweet_line(tid, "deep", extra=json.loads("[" * 70 + "]" * 70))
    if kind == "huge":
        return tweet_line(tid, "x" * draw(st.integers(MAX_RECORD, 3 * MAX_RECORD)))
    return tweet_line(tid, "naïve café").replace(
        "naïve café".encode(), "naïve café".encode("latin-1")
    )


@st.composite
def snscrape_file(draw: st.DrawFn) -> tuple[bytes, int, int]:
    """(file bytes, good lines, bad lines)."""
    lines: list[bytes] = []
    good = bad = 0
    for tid in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["good", "good", "bad", "blank"]))
        if kind == "good":
            lines.append(tweet_line(tid, draw(texts)))
            good += 1
        elif kind == "bad":
            lines.append(draw(bad_line(tid)))
            bad += 1
        else:
            lines.append(draw(st.sampled_from([b"", b"  ", b"\r"])))
    end: bytes = draw(st.sampled_from([b"\n", b"\r\n"]))
    last: bool = draw(st.booleans())  # a break after the last line, or none
    return end.join(lines) + (end if lines and last else b""), good, bad


def reencoded(data: bytes, encoding: str) -> bytes:
    """The file in another encoding with its byte-order mark. A line that is not UTF-8
    (Latin-1 here) stays broken: as it was in a UTF-8 file, with a lone surrogate in a
    UTF-16 one (mixed encodings: it must still cost only itself)."""
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + data
    out = []
    for line in data.split(b"\n"):
        try:
            out.append(line.decode("utf-8").encode("utf-16-le"))
        except UnicodeDecodeError:
            out.append(b"\x00\xd8" + line.decode("latin-1").encode("utf-16-le"))
    return b"\xff\xfe" + "\n".encode("utf-16-le").join(out)


def wrapped(data: bytes, wrapping: str) -> bytes:
    if wrapping == "gzip":
        return gzip.compress(data, mtime=0)
    return data if wrapping == "plain" else reencoded(data, wrapping)


WRAPPINGS = st.sampled_from(["plain", "gzip", "utf-16", "utf-8-sig"])


# ---- snscrape ----------------------------------------------------------------------------
@FUZZ
@given(snscrape_file(), WRAPPINGS)
def test_snscrape_each_good_line_lands_and_each_bad_one_is_quarantined(
    built: tuple[bytes, int, int], wrapping: str
) -> None:
    data, good, bad = built
    assert_lands_exactly(wrapped(data, wrapping), "tweets.jsonl", "snscrape", good, bad)


@FUZZ
@given(snscrape_file(), st.data())
def test_snscrape_truncated_anywhere_adds_up(
    built: tuple[bytes, int, int], data: st.DataObject
) -> None:
    whole, _, _ = built
    cut = data.draw(st.integers(0, len(whole)))
    import_bytes(whole[:cut], "tweets.jsonl", "snscrape")


# ---- CSV ---------------------------------------------------------------------------------
def csv_line(values: list[str]) -> str:
    out = io.StringIO()
    # "\r\n" as the writer's line end makes it quote a value holding a lone "\r" too
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().removesuffix("\r\n") + "\n"


@st.composite
def csv_file(draw: st.DrawFn) -> tuple[bytes, int, int, bool]:
    """(file bytes, good rows, bad rows, whether it holds bytes that are not UTF-8)."""
    rows: list[bytes] = [b"id,created_at,text\n"]
    good = bad = 0
    latin = False
    for i in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["good", "good", "fields", "huge", "latin-1", "blank"]))
        if kind == "good":
            rows.append(csv_line([str(i), DATE, draw(texts)]).encode())
            good += 1
        elif kind == "fields":
            values = draw(st.lists(texts, min_size=1, max_size=6).filter(lambda v: len(v) != 3))
            rows.append(csv_line(values).encode())
            bad += 1
        elif kind == "huge":
            text = draw(st.sampled_from(["y", "a,b", 'say ""hi""', "line\nbreak"]))
            size = draw(st.integers(MAX_RECORD, 3 * MAX_RECORD))
            rows.append(csv_line([str(i), DATE, text * (size // len(text))]).encode())
            bad += 1
        elif kind == "latin-1":
            rows.append(csv_line([str(i), DATE, "naïve café"]).encode("latin-1"))
            bad += 1
            latin = True
        else:
            rows.append(draw(st.sampled_from([b"\n", b"\r\n"])))
    data = b"".join(rows)
    if draw(st.booleans()):  # Windows line breaks
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data, good, bad, latin


@FUZZ
@given(csv_file(), WRAPPINGS)
def test_csv_each_good_row_lands_and_each_bad_one_is_quarantined(
    built: tuple[bytes, int, int, bool], wrapping: str
) -> None:
    data, good, bad, _ = built
    assert_lands_exactly(wrapped(data, wrapping), "posts.csv", "csv", good, bad)


@FUZZ
@given(csv_file(), st.data())
def test_csv_truncated_anywhere_adds_up(
    built: tuple[bytes, int, int, bool], data: st.DataObject
) -> None:
    whole = built[0]
    header = len(b"id,created_at,text\n")
    import_bytes(whole[: data.draw(st.integers(header, len(whole)))], "posts.csv", "csv")


# ---- any bytes, every format -------------------------------------------------------------
@settings(FUZZ, max_examples=100)  # cheap: most are refused before reading a record
@given(
    st.sampled_from([None, "snscrape", "csv", "kaggle", "parquet"]),
    st.sampled_from([b"", b"id,created_at,text\n", b"PAR1", b"\xff\xfe", b"\x1f\x8b", b'{"id": 1'])
    | st.just(b""),
    st.binary(max_size=3_000),
)
def test_any_bytes_in_any_format_are_refused_clearly_or_add_up(
    fmt: str | None, prefix: bytes, data: bytes
) -> None:
    import_bytes(prefix + data, "input.dat", fmt)


# ---- Parquet -----------------------------------------------------------------------------
def parquet_bytes(rows: list[dict[str, Any]], group: int) -> bytes:
    table = pa.table(
        {
            "id": pa.array([r["id"] for r in rows], pa.string()),
            "created_at": pa.array([r["created_at"] for r in rows], pa.string()),
            "text": pa.array([r["text"] for r in rows], pa.string()),
        }
    )
    out = pa.BufferOutputStream()
    pq.write_table(table, out, row_group_size=group)
    return out.getvalue().to_pybytes()


@st.composite
def parquet_file(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int, int]:
    rows = []
    good = bad = 0
    for i in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["good", "good", "no date", "huge", "blank"]))
        text = draw(texts)
        if kind == "huge":
            text = "z" * draw(st.integers(MAX_RECORD, 3 * MAX_RECORD))
        rows.append(
            {
                "id": str(i),
                "created_at": "not a date" if kind == "no date" else DATE,
                "text": " " if kind == "blank" else text,
            }
        )
        good += kind == "good"
        bad += kind != "good"
    return rows, good, bad


@FUZZ
@given(parquet_file(), st.integers(1, 10))
def test_parquet_each_good_row_lands_and_each_bad_one_is_quarantined(
    built: tuple[list[dict[str, Any]], int, int], group: int
) -> None:
    rows, good, bad = built
    assert_lands_exactly(parquet_bytes(rows, group), "posts.parquet", "parquet", good, bad)


@FUZZ
@given(parquet_file(), st.integers(1, 10), st.data())
def test_parquet_truncated_or_corrupted_is_refused_clearly_or_adds_up(
    built: tuple[list[dict[str, Any]], int, int], group: int, data: st.DataObject
) -> None:
    whole = bytearray(parquet_bytes(built[0], group))
    if data.draw(st.booleans()):
        damaged = bytes(whole[: data.draw(st.integers(0, len(whole) - 1))])
    else:  # bytes overwritten somewhere before the footer
        start = data.draw(st.integers(4, max(4, len(whole) - 64)))
        junk = data.draw(st.binary(min_size=1, max_size=64))
        whole[start : start + len(junk)] = junk
        damaged = bytes(whole)
    report = import_bytes(damaged, "posts.parquet", "parquet")
    if report is not None and len(damaged) == len(whole):
        assert report.rows_read == len(built[0])  # an unreadable row group counts its rows


# ---- through the command line ------------------------------------------------------------
@pytest.fixture
def cli_lake(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path_factory.mktemp("fuzz-cli")
    monkeypatch.setenv("CRYPTOPULSE_LAKE_URL", str(root / "lake"))
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", str(root / "wh.duckdb"))
    monkeypatch.setenv("CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES", str(MAX_RECORD))
    monkeypatch.setenv("COLUMNS", "200")
    return root


@settings(
    FUZZ,
    max_examples=12,
    # one lake for the examples: each imports another file under the same name (--replace)
    suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(
    fmt=st.sampled_from(["snscrape", "csv", "parquet", None]),
    data=st.binary(max_size=2_000) | snscrape_file().map(lambda built: built[0]),
)
def test_the_command_says_one_clear_thing_whatever_the_file(
    cli_lake: Path, fmt: str | None, data: bytes
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.jsonl"
        path.write_bytes(data)
        args = ["import-posts", str(path), "--replace"] + (["--format", fmt] if fmt else [])
        done = CliRunner().invoke(app, args)
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    assert done.exit_code in (0, 1)
    assert "Traceback" not in done.output
    assert all(c.isprintable() or c == "\n" for c in done.output), repr(done.output)
    if done.exit_code == 0:
        assert "✔" in done.output and "Next:" in done.output
    else:
        assert "error:" in done.output or "Nothing landed" in done.output
        assert "✔" not in done.output and "Next:" not in done.output


# ---- values of any type ------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
TWEET_FIELDS = [
    "id",
    "date",
    "rawContent",
    "content",
    "user",
    "username",
    "lang",
    "likeCount",
    "retweetCount",
    "replyCount",
    "quoteCount",
    "url",
]


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(TWEET_FIELDS), json_values), max_size=12))
def test_snscrape_fields_of_any_type_land_or_are_quarantined(records: list[dict[str, Any]]) -> None:
    lines = []
    for tid, fields in enumerate(records):
        record = {"_type": "snscrape.modules.twitter.Tweet", "id": tid, "date": DATE, **fields}
        lines.append(json.dumps(record).encode())
    report = import_bytes(b"\n".join(lines), "tweets.jsonl", "snscrape")
    assert report is not None and report.rows_read == len(records)


arrow_columns = st.sampled_from(
    [
        pa.array([1, None, 3] * 4, pa.int64()),
        pa.array([1.5, float("nan"), 1e300] * 4),
        pa.array([True, False, None] * 4),
        pa.array([b"\xff\xfe", b"ok", None] * 4, pa.binary()),
        pa.array([["a", "b"], [], None] * 4, pa.list_(pa.string())),
        pa.array([{"x": 1}, {"x": None}, None] * 4, pa.struct([("x", pa.int64())])),
        pa.array([0, 1_700_000_000_000_000, None] * 4, pa.timestamp("us")),
        pa.array(["2024-01-01", "not a date", "x 🚀"] * 4).dictionary_encode(),
        pa.array([None] * 12, pa.null()),
    ]
)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["id", "created_at", "text", "author", "likes", "language", "url"]),
            arrow_columns,
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda c: c[0],
    )
)
def test_parquet_columns_of_any_type_land_or_are_quarantined(
    columns: list[tuple[str, pa.Array]],
) -> None:
    table = pa.table(dict(columns))
    for required in ("created_at", "text"):
        if required not in table.column_names:
            table = table.append_column(required, pa.array(["2024-01-01T00:00:00Z"] * 12))
    out = pa.BufferOutputStream()
    pq.write_table(table, out, row_group_size=5)
    report = import_bytes(out.getvalue().to_pybytes(), "posts.parquet", "parquet")
    assert report is not None and report.rows_read == 12


# ---- the CSV record splitter, across read blocks -----------------------------------------
def split_records(data: bytes, run_bytes: int, max_bytes: int) -> list[tuple[str, int, bytes]]:
    """What ``csv_records`` hands out, record by record: ("row", number, text without its
    line break) or ("too long", number, first bytes)."""
    out: list[tuple[str, int, bytes]] = []
    stream = pa.BufferReader(data)
    for item in csv_records(stream, stream, max_bytes, run_bytes=run_bytes):
        if isinstance(item, TooLong):
            out.append(("too long", item.row, item.head))
            continue
        for i, number in enumerate(item.rows.tolist()):
            record = item.record(i).rstrip(b"\r\n")
            if record:
                out.append(("row", number, record))
    return out


csv_bytes = st.lists(
    st.sampled_from([b"a", b",", b'"', b"\n", b"\r", b"\r\n", b'""', b"x" * 50, "é".encode()]),
    max_size=120,
).map(b"".join)


@FUZZ
@given(csv_bytes, st.integers(1, 64), st.integers(8, 200))
def test_csv_records_are_cut_the_same_whatever_the_read_size(
    data: bytes, run_bytes: int, max_bytes: int
) -> None:
    """The stream read a few bytes at a time gives the records one big read gives: record
    ends, quotes, line breaks split between reads and overlong records skipped across
    reads all carry over."""
    whole = split_records(data, 1 << 20, max_bytes)
    assert split_records(data, run_bytes, max_bytes) == whole
    assert all(len(text) <= max_bytes for kind, _, text in whole if kind == "row")


def read_lines(data: bytes, block_bytes: int, max_bytes: int) -> tuple[list[Any], list[str]]:
    """The post ids and the reject reasons of snscrape lines read ``block_bytes`` at a time."""
    ids: list[Any] = []
    reasons: list[str] = []
    stream = pa.BufferReader(data)
    valid = 0
    for block in line_blocks(stream, stream, block_bytes=block_bytes, max_line_bytes=max_bytes):
        piece = parse_block(block, valid, max_bytes)
        valid += piece.records.num_rows
        ids.extend(piece.records.column("post_id").to_pylist())
        reasons.extend(reject.reason for _, reject in piece.rejects)
    return ids, sorted(reasons)


@FUZZ
@given(snscrape_file(), st.integers(16, 5_000))
def test_snscrape_lines_are_read_the_same_whatever_the_read_size(
    built: tuple[bytes, int, int], block_bytes: int
) -> None:
    data = built[0]
    assert read_lines(data, block_bytes, MAX_RECORD) == read_lines(data, 1 << 24, MAX_RECORD)
