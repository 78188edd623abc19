"""Archive import: snscrape JSON lines, the Kaggle Bitcoin Tweets CSV, any CSV or Parquet.

Every test writes its own small sample files into tmp_path and imports them through the
same code as ``cryptopulse import-posts`` (the Python API, or the CLI where what the user
sees is the point).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import run_cli
from cryptopulse.cli import app
from cryptopulse.core.batch import Reject
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources.archive import (
    ArchiveError,
    ImportOptions,
    ImportReport,
    import_posts,
    inspect_input,
    plan_import,
)
from cryptopulse.sources.archive.chunks import Piece, chunked
from cryptopulse.sources.archive.lines import line_blocks

KAGGLE_HEADER = (
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet"
)


# ---- sample files ------------------------------------------------------------------------
def user(name: str, uid: int) -> dict[str, Any]:
    return {
        "_type": "snscrape.modules.twitter.User",
        "username": name,
        "id": uid,
        "displayname": name.title() + " 🐂",
        "rawDescription": "crypto, not financial advice",
        "followersCount": 10,
    }


def tweet(tid: int, when: str, text: str, name: str = "alice", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "_type": "snscrape.modules.twitter.Tweet",
        "url": f"https://twitter.com/{name}/status/{tid}",
        "date": when,
        "rawContent": text,
        "renderedContent": text,
        "id": tid,
        "user": user(name, 100 + tid % 7),
        "replyCount": 1,
        "retweetCount": 2,
        "likeCount": 3,
        "quoteCount": 4,
        "lang": "en",
        "cashtags": ["BTC"],
        "hashtags": ["Bitcoin"],
        "retweetedTweet": None,
        "quotedTweet": None,
    }
    record.update(extra)
    return record


def jsonl(lines: list[dict[str, Any] | str]) -> str:
    return "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
        for line in lines
    )


def sample_tweets() -> list[dict[str, Any] | str]:
    original = tweet(900, "2023-01-01T08:00:00+00:00", "the original $BTC call", "carol")
    quoted = tweet(901, "2022-12-31T23:00:00+00:00", "quoted elsewhere", "dave")
    return [
        tweet(1001, "2023-01-01T10:15:00+00:00", "Bitcoin 🚀 to the moon\nsecond line $BTC"),
        tweet(
            1002,
            "2023-01-01T11:00:00+00:00",
            "RT @carol: the original $BTC call",
            "bob",
            retweetedTweet=original,
            likeCount=0,
        ),
        tweet(1003, "2023-01-02T00:30:00+02:00", "what do you think? 🤔", quotedTweet=quoted),
        # snscrape before 0.4/0.5: "content" instead of "rawContent", no user object
        {
            "id": 1004,
            "date": "2023-01-02T09:00:00+00:00",
            "content": "old dump, $ETH too",
            "username": "olduser",
            "likeCount": 7,
        },
    ]


def write(path: Path, text: str, compression: str | None = None) -> Path:
    data = text.encode("utf-8")
    if compression is None:
        path.write_bytes(data)
    else:
        with pa.CompressedOutputStream(str(path), compression) as out:
            out.write(data)
    return path


def run_import(lake: Lake, path: Path, **options: Any) -> ImportReport:
    opts = ImportOptions(path=str(path), **options)
    return import_posts(lake, plan_import(opts), opts)


def lake_posts(lake: Lake, zone: str = layout.RAW, source: str = "*") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for rel in lake.glob(layout.dataset_glob(zone, "posts", source)):
        rows.extend(lake.read_parquet(rel).to_pylist())
    return rows


def lake_files(lake: Lake) -> dict[str, bytes]:
    """Every raw and quarantine file of the lake with its bytes."""
    out: dict[str, bytes] = {}
    for zone in (layout.RAW, layout.QUARANTINE):
        for rel in lake.glob(f"{zone}/*/posts/*/*.parquet"):
            out[rel] = Path(lake.path(rel)).read_bytes()
    return out


def assert_counts_add_up(report: ImportReport) -> None:
    assert report.rows_read == report.rows_landed + report.rows_quarantined


@pytest.fixture
def lake(settings: Settings) -> Lake:
    return Lake(settings.lake_url)


# ---- snscrape ----------------------------------------------------------------------------
def test_snscrape_lands_each_line_as_one_post_under_x(lake: Lake, tmp_path: Path) -> None:
    path = write(tmp_path / "tweets.jsonl", jsonl(sample_tweets()))
    report = run_import(lake, path)

    posts = {p["post_id"]: p for p in lake_posts(lake)}
    # the retweet is a post of its own; the embedded tweets 900 and 901 are not landed
    assert sorted(posts) == ["1001", "1002", "1003", "1004"]
    first = posts["1001"]
    assert first["source"] == "x"
    assert first["created_at"] == datetime(2023, 1, 1, 10, 15, tzinfo=UTC)
    assert first["text"] == "Bitcoin 🚀 to the moon\nsecond line $BTC"
    assert first["author"] == "alice"
    assert (first["likes"], first["reposts"], first["replies"], first["quotes"]) == (3, 2, 1, 4)
    assert first["language"] == "en"
    assert first["url"] == "https://twitter.com/alice/status/1001"
    assert json.loads(first["raw"])["user"]["displayname"] == "Alice 🐂"  # the whole line

    retweet = posts["1002"]
    assert retweet["author"] == "bob" and retweet["text"].startswith("RT @carol:")
    assert json.loads(retweet["raw"])["retweetedTweet"]["id"] == 900
    # +02:00 is converted to UTC, and lands in that UTC day's partition
    assert posts["1003"]["created_at"] == datetime(2023, 1, 1, 22, 30, tzinfo=UTC)
    old = posts["1004"]
    assert (old["author"], old["text"], old["likes"]) == ("olduser", "old dump, $ETH too", 7)
    assert old["reposts"] is None

    days = sorted(rel.split("/")[3] for rel in lake.glob("raw/x/posts/*/*.parquet"))
    assert days == ["date=2023-01-01", "date=2023-01-02"]
    assert (report.rows_read, report.rows_landed, report.rows_quarantined) == (4, 4, 0)
    assert report.source == "x" and report.name == "tweets"
    assert {d.isoformat() for d in report.days} == {"2023-01-01", "2023-01-02"}


@pytest.mark.parametrize(("suffix", "codec"), [(".gz", "gzip"), (".zst", "zstd")])
def test_compressed_files_import_like_plain_ones(
    lake: Lake, tmp_path: Path, suffix: str, codec: str
) -> None:
    text = jsonl(sample_tweets())
    plain = Lake(str(tmp_path / "plain-lake"))
    run_import(plain, write(tmp_path / "tweets.jsonl", text))
    packed = write(tmp_path / f"tweets.jsonl{suffix}", text, codec)
    assert inspect_input(packed).compression == codec

    progress: list[tuple[int, int]] = []
    opts = ImportOptions(path=str(packed))
    report = import_posts(lake, plan_import(opts), opts, on_progress=lambda *p: progress.append(p))
    assert report.name == "tweets"  # both extensions stripped
    assert lake_files(lake) == lake_files(plain)  # the same files, the same bytes
    size = packed.stat().st_size
    assert progress and progress[-1] == (size, size)  # bytes of the compressed file


def test_unreadable_lines_are_quarantined_with_reason_and_the_import_goes_on(
    lake: Lake, tmp_path: Path
) -> None:
    good = sample_tweets()
    lines: list[dict[str, Any] | str] = [
        good[0],
        '{"_type": "snscrape.modules.twitter.Tweet", "id": 5, "date": ',  # cut short
        json.dumps({"_type": "snscrape.modules.twitter.Tombstone", "text": "deleted"}),
        "[1, 2, 3]",
        "",  # a blank line is no record
        good[1],
        tweet(1010, "2023-01-01T12:00:00+00:00", "   "),  # no text: the lake refuses it
        good[2],
    ]
    path = write(tmp_path / "tweets.jsonl", jsonl(lines))
    report = run_import(lake, path)

    assert sorted(p["post_id"] for p in lake_posts(lake)) == ["1001", "1002", "1003"]
    assert report.rows_read == 7
    assert (report.rows_landed, report.rows_quarantined) == (3, 4)
    assert_counts_add_up(report)
    assert report.reasons == {"invalid JSON": 1, "not a tweet": 2, "missing text": 1}
    quarantined = {q["reason"]: q["raw"] for q in lake_posts(lake, layout.QUARANTINE)}
    cut = next(r for r in quarantined if r.startswith("invalid JSON"))
    assert cut.startswith("invalid JSON: line 2: ")
    assert quarantined[cut] == lines[1]  # the original line, for a person to look at
    assert "not a tweet: line 3: _type snscrape.modules.twitter.Tombstone" in quarantined
    assert "not a tweet: line 4: an array, not a tweet object" in quarantined


def test_a_line_too_long_to_be_a_record_is_reported_not_held(tmp_path: Path) -> None:
    data = b'{"a": 1}\n' + b"x" * 5_000 + b"\n" + b'{"b": 2}\r\n'
    path = write(tmp_path / "f.jsonl", data.decode())
    file = inspect_input(path, "snscrape")
    raw, stream = file.open()
    blocks = list(line_blocks(raw, stream, block_bytes=1_000, max_line_bytes=2_000))
    lines = [bytes(b.data[s:e]) for b in blocks for s, e in zip(b.starts, b.ends, strict=True)]
    too_long = [item for b in blocks for item in b.too_long]
    assert lines == [b'{"a": 1}', b'{"b": 2}']
    assert [(number, len(head)) for number, head in too_long] == [(2, 1_000)]


# ---- Kaggle ------------------------------------------------------------------------------
def kaggle_csv() -> str:
    return (
        KAGGLE_HEADER
        + "\n"
        + 'DeSota Wilson,Atlanta GA,"Biz consultant, fintech",2009-04-26 20:05:09,8534.0,7605,'
        + '4838,False,2021-02-10 23:59:04,"Blue Ridge Bank halted after #bitcoin ATM news\n'
        + "https://t.co/xaaZmaJKiV #BTC 🚀\",\"['bitcoin', 'BTC']\",Twitter Web App,False\n"
        + "CryptoND,,😎 a Dutch platform,2019-10-17 20:12:10,6769.0,1532,25483,False,"
        + '2021-02-11 00:00:48,"we do a ""🎬 Take 2"" today",[\'Thursday\'],Twitter for Android,'
        + "False\n"
        + "broken,row,with,too,few,fields\n"
        + "Third,,,2020-01-01 00:00:00,1,2,3,True,2021-02-11 01:02:03,gm $BTC,,TweetDeck,True\n"
    )


def test_kaggle_csv_lands_posts_with_stable_derived_ids(lake: Lake, tmp_path: Path) -> None:
    path = write(tmp_path / "Bitcoin_tweets.csv", kaggle_csv())
    assert inspect_input(path).format == "kaggle"
    report = run_import(lake, path)

    posts = sorted(lake_posts(lake), key=lambda p: p["created_at"])
    assert [p["author"] for p in posts] == ["DeSota Wilson", "CryptoND", "Third"]
    first = posts[0]
    assert first["source"] == "x"
    assert (
        first["text"]
        == "Blue Ridge Bank halted after #bitcoin ATM news\nhttps://t.co/xaaZmaJKiV #BTC 🚀"
    )
    assert first["created_at"] == datetime(2021, 2, 10, 23, 59, 4, tzinfo=UTC)
    assert posts[1]["text"] == 'we do a "🎬 Take 2" today'
    assert all(p[c] is None for p in posts for c in ("likes", "reposts", "replies", "quotes"))
    # the file's "source" column is the client app: it stays in raw, not in our source
    assert json.loads(first["raw"])["source"] == "Twitter Web App"
    assert json.loads(first["raw"])["hashtags"] == "['bitcoin', 'BTC']"
    key = "\x1f".join(["DeSota Wilson", "2021-02-10 23:59:04", first["text"]])
    assert first["post_id"] == "sha256-" + hashlib.sha256(key.encode()).hexdigest()[:24]

    assert (report.rows_read, report.rows_landed, report.rows_quarantined) == (4, 3, 1)
    (bad,) = lake_posts(lake, layout.QUARANTINE)
    assert bad["reason"] == "wrong number of fields: row 4: expected 13 fields, got 6"
    assert bad["raw"] == "broken,row,with,too,few,fields"

    ids = {p["post_id"] for p in posts}
    other = Lake(str(tmp_path / "again"))
    run_import(other, path)
    assert {p["post_id"] for p in lake_posts(other)} == ids  # the same ids on every import


# ---- generic CSV and Parquet -------------------------------------------------------------
@pytest.mark.slow
def test_minimal_csv_imports_through_the_cli(settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path / "posts.csv",
        'id,created_at,text\n1,2024-03-01T10:00:00Z,"gm, $BTC"\n2,2024-03-02 11:30:00,hello 👋\n',
    )
    done = run_cli(["import-posts", str(path)], settings, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "rows read" in out and "landed" in out and "days covered" in out
    assert "raw/import/posts" in out and "state/imports/posts.json" in out

    lake = Lake(settings.lake_url)
    posts = sorted(lake_posts(lake, source="import"), key=lambda p: p["post_id"])
    assert [(p["source"], p["post_id"], p["text"]) for p in posts] == [
        ("import", "1", "gm, $BTC"),
        ("import", "2", "hello 👋"),
    ]
    assert posts[1]["created_at"] == datetime(2024, 3, 2, 11, 30, tzinfo=UTC)
    saved = lake.read_json("state/imports/posts.json")
    assert saved["rows_landed"] == 2 and saved["file"]["path"] == str(path)
    assert sorted(saved["files"]) == sorted(lake.glob("raw/import/posts/*/*.parquet"))
    run = lake.read_json(layout.LAST_RUN)
    assert run["status"] == "ok" and run["command"].startswith("import-posts")


def test_column_mapping_and_platform_for_csv(lake: Lake, tmp_path: Path) -> None:
    path = write(
        tmp_path / "reddit dump.csv",
        "name,subreddit,body,ts,score,permalink\n"
        "t3_a,Bitcoin,to the moon,1709287200,12,/r/Bitcoin/a\n"
        "t3_b,ethereum,gas fees again,1709373600000,-3,/r/ethereum/b\n",
    )
    report = run_import(
        lake,
        path,
        platform="reddit",
        mapping=(
            "post_id=name",
            "created_at=ts",
            "text=body",
            "likes=score",
            "url=permalink",
            "collected_for=subreddit",
        ),
    )
    assert report.source == "reddit" and report.name == "reddit-dump"
    posts = {p["post_id"]: p for p in lake_posts(lake, source="reddit")}
    assert posts["t3_a"]["created_at"] == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)  # seconds
    assert posts["t3_a"]["collected_for"] == "Bitcoin"
    assert posts["t3_a"]["likes"] == 12
    # epoch milliseconds also read; a negative score is refused by the lake
    assert report.rows_quarantined == 1 and report.reasons == {"likes must be >= 0": 1}
    (bad,) = lake_posts(lake, layout.QUARANTINE, "reddit")
    assert bad["post_id"] == "t3_b" and bad["created_at"].startswith("2024-03-02T10:00:00")


def test_parquet_with_mapping_and_derived_ids(lake: Lake, tmp_path: Path) -> None:
    table = pa.table(
        {
            "posted": pa.array(
                [datetime(2024, 5, 1, 9, tzinfo=UTC), datetime(2024, 5, 2, 9, tzinfo=UTC)],
                pa.timestamp("ms", tz="UTC"),
            ),
            "body": ["first 🚀", "second\nline"],
            "handle": ["x1", "x2"],
            "likes": [5, None],
        }
    )
    path = tmp_path / "export.parquet"
    pq.write_table(table, path)
    assert inspect_input(path).format == "parquet"
    report = run_import(
        lake, path, platform="bluesky", mapping=("created_at=posted", "text=body", "author=handle")
    )
    posts = sorted(lake_posts(lake, source="bluesky"), key=lambda p: p["created_at"])
    assert [(p["author"], p["text"], p["likes"]) for p in posts] == [
        ("x1", "first 🚀", 5),
        ("x2", "second\nline", None),
    ]
    assert all(p["post_id"].startswith("sha256-") for p in posts)
    assert posts[0]["created_at"] == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert report.rows_landed == 2


def test_format_detection(tmp_path: Path) -> None:
    snscrape = write(tmp_path / "dump.txt", jsonl(sample_tweets()[:1]))
    kaggle = write(tmp_path / "bitcoin", kaggle_csv(), "gzip")  # no extension, gzip inside
    generic = write(tmp_path / "x.data", "id,created_at,text\n1,2024-01-01,hi\n", "zstd")
    parquet = tmp_path / "no-extension"
    pq.write_table(pa.table({"text": ["a"], "created_at": ["2024-01-01"]}), parquet)
    assert inspect_input(snscrape).format == "snscrape"
    assert (inspect_input(kaggle).format, inspect_input(kaggle).compression) == ("kaggle", "gzip")
    assert (inspect_input(generic).format, inspect_input(generic).compression) == ("csv", "zstd")
    assert inspect_input(parquet).format == "parquet"
    assert inspect_input(generic, "csv").header == ("id", "created_at", "text")

    other_json = write(tmp_path / "events.jsonl", '{"event": "click"}\n')
    with pytest.raises(ArchiveError, match="not an snscrape tweet"):
        inspect_input(other_json)
    array = write(tmp_path / "tweets.json", '[{"id": 1, "content": "gm"}]\n')
    with pytest.raises(ArchiveError, match="holds a JSON array"):
        inspect_input(array)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(ArchiveError, match="cannot tell the format"):
        inspect_input(binary)


def test_csv_rows_with_invalid_utf8_are_quarantined(lake: Lake, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(
        b"id,created_at,text\n1,2024-01-01,fine\nshort,row\n2,2024-01-01,bad \xff byte\n"
        b"3,2024-01-01,ok\n"
    )
    report = run_import(lake, path)
    assert sorted(p["post_id"] for p in lake_posts(lake)) == ["1", "3"]
    assert report.reasons == {"invalid UTF-8": 1, "wrong number of fields": 1}
    assert_counts_add_up(report)
    reasons = sorted(q["reason"] for q in lake_posts(lake, layout.QUARANTINE))
    assert reasons == [
        "invalid UTF-8: row 4: a value is not UTF-8 text",
        "wrong number of fields: row 3: expected 3 fields, got 2",
    ]


# ---- chunks, re-imports and the warehouse ------------------------------------------------
def many_tweets(n: int, start: int = 0) -> list[dict[str, Any] | str]:
    return [
        tweet(5000 + i, f"2023-02-{1 + i // 4:02d}T{i % 4 * 6:02d}:00:00+00:00", f"post {i}")
        for i in range(start, n)
    ]


def test_chunks_are_cut_at_the_same_records_whatever_the_read_sizes() -> None:
    unreadable = {0: "bad-a", 3: "bad-b", 9: "bad-c", 10: "bad-d"}  # position -> record

    def pieces(sizes: list[int]) -> list[Piece]:
        out, start = [], 0
        for size in sizes:
            ids = list(range(start, start + size))
            last = start + size + (1 if start + size == 10 else 0)
            rejects = tuple(
                (pos, Reject(raw, "x: y")) for pos, raw in unreadable.items() if start <= pos < last
            )
            out.append(Piece(pa.table({"id": ids}), np.full(size, 10), rejects, start))
            start += size
        return out

    def cut(sizes: list[int]) -> list[tuple[list[int], list[str]]]:
        return [
            (c.records.column("id").to_pylist(), [r.raw for r in c.rejects])
            for c in chunked(pieces(sizes), max_rows=5, max_bytes=35)
        ]

    one = cut([10])
    assert one == [  # the byte budget cuts after 4 records of 10 bytes
        ([0, 1, 2, 3], ["bad-a", "bad-b"]),
        ([4, 5, 6, 7], []),
        ([8, 9], ["bad-c", "bad-d"]),
    ]
    assert one == cut([3, 3, 3, 1]) == cut([1] * 10) == cut([7, 3])


def test_a_column_read_as_numbers_in_one_block_and_text_in_another_is_kept() -> None:
    pieces = [
        Piece(pa.table({"likes": [1, 2]}), np.ones(2)),
        Piece(pa.table({"likes": ["3", None]}), np.ones(2)),  # counts written as text
    ]
    (chunk,) = chunked(pieces)
    assert chunk.records.column("likes").to_pylist() == ["1", "2", "3", None]


def test_reimport_rewrites_the_same_files_and_a_grown_file_adds_only_new_posts(
    lake: Lake, tmp_path: Path
) -> None:
    path = write(tmp_path / "tweets.jsonl", jsonl(many_tweets(10)))
    first = run_import(lake, path, chunk_rows=4)
    before = lake_files(lake)
    assert first.chunks == 3 and first.relation == "new"

    again = run_import(lake, path, chunk_rows=4)
    assert lake_files(lake) == before  # byte for byte: same names, same content
    assert again.relation == "unchanged"

    with open(path, "a", encoding="utf-8") as handle:  # the scraper ran on
        handle.write(jsonl(many_tweets(14, start=10)))
    grown = run_import(lake, path, chunk_rows=4)
    assert grown.relation == "grown" and grown.rows_read == 14
    after = lake_files(lake)
    full_chunks = {rel: data for rel, data in before.items() if "-c00003" not in rel}
    assert {rel: after[rel] for rel in full_chunks} == full_chunks  # full chunks untouched
    ids = [p["post_id"] for p in lake_posts(lake)]
    assert len(ids) == len(set(ids)) == 14  # no post landed twice

    smaller = run_import(lake, path, chunk_rows=7)  # another chunk size: other files
    assert smaller.stale_removed  # the earlier chunk files it no longer writes are gone
    ids = [p["post_id"] for p in lake_posts(lake)]
    assert len(ids) == len(set(ids)) == 14
    assert set(lake.read_json("state/imports/tweets.json")["files"]) == set(lake_files(lake))


def test_another_file_under_the_same_name_needs_replace(lake: Lake, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    run_import(lake, write(tmp_path / "a" / "tweets.jsonl", jsonl(many_tweets(12, start=9))))
    other = write(tmp_path / "b" / "tweets.jsonl", jsonl(many_tweets(5, start=3)))
    with pytest.raises(ArchiveError, match=r"already holds .*--name NAME to keep both"):
        run_import(lake, other)
    run_import(lake, other, name="tweets-b")  # both kept
    assert len(lake_posts(lake)) == 3 + 2
    replaced = run_import(lake, other, replace=True)  # "tweets" now holds b's posts only
    assert replaced.relation == "new" and len(replaced.stale_removed) == 1  # a's only file
    assert sorted(p["post_id"] for p in lake_posts(lake)) == ["5003", "5003", "5004", "5004"]


@pytest.mark.slow
def test_duplicates_within_a_chunk_are_quarantined_and_the_warehouse_keeps_one(
    settings: Settings, tmp_path: Path
) -> None:
    lake = Lake(settings.lake_url)
    posts = many_tweets(6)
    # tweet 5000 scraped twice in the first chunk, again in the second chunk, and in
    # another file of the same tweets (an overlapping scrape)
    lines = [posts[0], posts[1], posts[0], posts[2], posts[3], posts[0], posts[4], posts[5]]
    first = run_import(lake, write(tmp_path / "a.jsonl", jsonl(lines)), chunk_rows=4)
    assert first.duplicates == 1 and first.reasons == {"duplicate key (source, post_id)": 1}
    assert first.rows_landed == 7
    run_import(lake, write(tmp_path / "b.jsonl", jsonl(posts[:3])))

    pipeline.run(settings, None, command="transform", steps=("enrich", "transform"))
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select post_id, count(*) from fct_posts group by post_id order by post_id"
        ).fetchall()
    assert rows == [(str(5000 + i), 1) for i in range(6)]


# ---- the command line (the `cli` fixture: tests/conftest.py) ------------------------------
def test_help_explains_each_format_with_an_example(cli: CliRunner) -> None:
    done = cli.invoke(app, ["import-posts", "--help"])
    assert done.exit_code == 0
    text = " ".join(done.output.split())
    for words in (
        "snscrape",
        "cryptopulse import-posts tweets.jsonl.gz",
        "Bitcoin Tweets",
        "cryptopulse import-posts Bitcoin_tweets.csv",
        "--map created_at=timestamp",
        "--platform",
        "retweet",
    ):
        assert words in text, words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.jsonl"], "no such file: nowhere.jsonl"),
        (["{csv}", "--format", "xml"], "unknown format 'xml'; accepted: snscrape, kaggle"),
        (["{csv}", "--map", "text=message"], "has no column 'message'; its columns: id, ts"),
        (["{csv}"], "no 'created_at' or 'text' column: say which columns hold them with --map"),
        (["{csv}", "--map", "text=body"], "no 'created_at' column: say which column holds it"),
        (["{csv}", "--map", "created_at=ts", "--map", "mood=body"], "'mood' is not a posts"),
        (["{csv}", "--map", "created_at=ts", "--platform", "../etc"], "--platform '../etc'"),
        (["{jsonl}", "--map", "text=body"], "--map applies to csv and parquet"),
    ],
)
def test_user_mistakes_are_one_clear_line(
    cli: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    files = {
        "{csv}": str(write(tmp_path / "p.csv", "id,ts,body\n1,2024-01-01,hi\n")),
        "{jsonl}": str(write(tmp_path / "t.jsonl", jsonl(sample_tweets()))),
    }
    done = cli.invoke(app, ["import-posts", *[files.get(a, a) for a in args]])
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit)  # handled: no traceback
    assert message in " ".join(done.output.split())
    assert "error:" in done.output


@pytest.mark.slow
def test_a_missing_file_from_the_real_command_line(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(["import-posts", str(tmp_path / "gone.jsonl.gz")], settings, tmp_path)
    assert done.returncode == 1
    assert "no such file" in done.stderr and "gone.jsonl.gz" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not os.path.exists(Path(settings.lake_url) / "raw")
