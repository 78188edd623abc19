"""Texts stored as Python byte-string literals land decoded, through every archive format.

Published tweet datasets often hold ``str(text.encode())``: ``b'What\\xe2\\x80\\x99s Next'``.
The import decodes them before landing, so the lake, the mentions and the sentiment are
those of the real text; a literal that does not decode is quarantined with its reason.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from cryptopulse.cli.render.import_posts import render_import
from cryptopulse.core.datasets import COINS
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store
from cryptopulse.enrich.mentions import RESOLVER_VERSION
from cryptopulse.enrich.sentiment import default_scorer
from cryptopulse.enrich.step import enrich
from cryptopulse.lake import Lake, layout
from cryptopulse.sources.archive import ImportOptions, import_posts, plan_import
from cryptopulse.sources.archive.byteliterals import NotDecodable, decode_byte_literal

KAGGLE_HEADER = (
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet"
)

# The real texts, and how such datasets stored them.
REAL = [
    "Bitcoin Price Drops to $4,300, What’s Next…",
    "#Bitcoin Cash is great 😍🚀 but 'quotes' and \"doubles\"",
    "plain ascii $ETH gm",
]


def as_literal(text: str) -> str:
    return str(text.encode("utf-8"))  # exactly what the datasets did


# ---- the decoder ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", [*REAL, "line\nbreak\tand \\ backslash", "", "b'nested'"])
def test_every_literal_python_writes_decodes_back(text: str) -> None:
    assert decode_byte_literal(as_literal(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "b'day party tonight, don't be late'",  # starts like one, is not one
        "bitcoin to the moon",
        "b",
        "b'",
        "b'unterminated but no escapes",
    ],
)
def test_ordinary_texts_are_left_alone(text: str) -> None:
    assert decode_byte_literal(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("b'What\\xe2\\x80\\x99s Next\\xe2\\x80'", "not UTF-8"),  # cut inside a character
        ("b'What\\xe2\\x80\\x99s Next\\xe2\\x80\\xa6", "without its closing quote"),
        ("b'\\xe2\\x80\\x99 it's'", "unescaped quote"),
        ("b'caf\\xe9'", "not UTF-8"),  # Latin-1, not UTF-8
        ("b'\\xe2\\x80\\x99 — already decoded'", "not ASCII"),
    ],
)
def test_malformed_literals_say_why(text: str, reason: str) -> None:
    with pytest.raises(NotDecodable, match=reason):
        decode_byte_literal(text)


def test_a_huge_literal_is_not_decoded() -> None:
    text = "b'" + "\\xe2\\x80\\x99" * 50_000 + "'"
    assert decode_byte_literal(text) is None  # left for the lake to refuse by its length


# ---- through each archive format -----------------------------------------------------------
MALFORMED = "b'Bitcoin \\xe2\\x80\\x99s next move\\xe2\\x80'"  # cut inside a character


def _tweet(tid: int, text: str) -> dict[str, Any]:
    return {
        "_type": "snscrape.modules.twitter.Tweet",
        "url": f"https://twitter.com/alice/status/{tid}",
        "date": f"2018-11-2{tid % 10}T10:00:00+00:00",
        "rawContent": text,
        "id": tid,
        "user": {"_type": "snscrape.modules.twitter.User", "username": "alice", "id": 7},
        "lang": "en",
    }


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _write(kind: str, tmp_path: Path, texts: list[str]) -> tuple[Path, dict[str, Any]]:
    """A file of ``kind`` holding ``texts``, and the import options it needs."""
    if kind == "snscrape":
        path = tmp_path / "tweets.jsonl"
        lines = [json.dumps(_tweet(1000 + i, t)) for i, t in enumerate(texts)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path, {}
    if kind == "kaggle":
        path = tmp_path / "Bitcoin_tweets.csv"
        rows = [
            f"user{i},,,2017-01-01 00:00:00,1,2,3,False,2018-11-2{i} 10:00:00,"
            f"{_csv_cell(t)},,Twitter Web App,False"
            for i, t in enumerate(texts)
        ]
        path.write_text(KAGGLE_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return path, {}
    if kind == "csv":
        path = tmp_path / "posts.csv"
        rows = [f"{i},2018-11-2{i}T10:00:00Z,{_csv_cell(t)}" for i, t in enumerate(texts)]
        path.write_text("id,created_at,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return path, {}
    path = tmp_path / "posts.parquet"
    table = pa.table(
        {
            "id": [str(i) for i in range(len(texts))],
            "posted": pa.array(
                [datetime(2018, 11, 20 + i, 10, tzinfo=UTC) for i in range(len(texts))],
                pa.timestamp("ms", tz="UTC"),
            ),
            "body": texts,
        }
    )
    pq.write_table(table, path)
    return path, {"mapping": ("post_id=id", "created_at=posted", "text=body")}


def _read_all(lake: Lake, pattern: str) -> list[dict[str, Any]]:
    return [row for rel in lake.glob(pattern) for row in lake.read_parquet(rel).to_pylist()]


@pytest.mark.parametrize("kind", ["snscrape", "kaggle", "csv", "parquet"])
def test_literal_texts_land_decoded_with_their_mentions_and_sentiment(
    kind: str, settings: Settings, tmp_path: Path
) -> None:
    lake = Lake(settings.lake_url)
    coins = pa.table(
        {
            "coin_id": ["bitcoin", "bitcoin-cash", "ethereum"],
            "symbol": ["btc", "bch", "eth"],
            "name": ["Bitcoin", "Bitcoin Cash", "Ethereum"],
        },
        schema=COINS.schema,
    )
    lake.write_parquet(layout.raw_file("coingecko", "coins", date(2018, 11, 1)), coins)
    texts = [as_literal(t) for t in REAL] + [MALFORMED]
    path, options = _write(kind, tmp_path, texts)
    opts = ImportOptions(path=str(path), **options)
    report = import_posts(lake, plan_import(opts), opts)

    assert report.byte_literals_decoded == 3
    assert report.rows_read == 4 and report.rows_landed == 3 and report.rows_quarantined == 1
    assert report.to_dict()["byte_literals_decoded"] == 3
    posts = _read_all(lake, layout.dataset_glob(layout.RAW, "posts"))
    assert sorted(p["text"] for p in posts) == sorted(REAL)
    (bad,) = _read_all(lake, layout.dataset_glob(layout.QUARANTINE, "posts"))
    assert "byte-string literal" in bad["reason"] and "not UTF-8" in bad["reason"]
    assert MALFORMED in bad["raw"] or MALFORMED.replace("\\", "\\\\") in bad["raw"]

    # The enrich step sees the real text: the mentions and scores of the decoded texts.
    enrich(settings, workers=1)
    by_id = {p["post_id"]: p["text"] for p in posts}
    mentions = _read_all(lake, store.result_glob(store.MENTIONS, RESOLVER_VERSION))
    found = {(by_id[m["post_id"]], m["coin_id"], m["match_kind"]) for m in mentions}
    assert found == {
        (REAL[0], "bitcoin", "name"),
        (REAL[1], "bitcoin-cash", "hashtag"),  # "#Bitcoin Cash", not bitcoin
        (REAL[2], "ethereum", "cashtag"),
    }
    scorer = default_scorer()
    scores = _read_all(lake, store.result_glob(store.SENTIMENT, scorer.key))
    assert len(scores) == 3
    for row in scores:
        text = by_id[row["post_id"]]
        (expected,) = scorer.score([text])
        assert row["compound"] == pytest.approx(expected[0]), text
        (as_stored,) = scorer.score([as_literal(text)])
        if text == REAL[1]:  # its emoji, read as escapes, would not count
            assert row["compound"] != pytest.approx(as_stored[0]), text


def test_the_import_summary_counts_the_decoded_texts(settings: Settings, tmp_path: Path) -> None:
    lake = Lake(settings.lake_url)
    path, options = _write("csv", tmp_path, [as_literal(REAL[0]), "gm", as_literal(REAL[2])])
    opts = ImportOptions(path=str(path), **options)
    report = import_posts(lake, plan_import(opts), opts)
    console = Console(width=160, record=True)
    console.print(render_import({"status": "ok", "import": report.to_dict()}))
    line = next(row for row in console.export_text().splitlines() if "texts decoded" in row)
    assert line.split()[2] == "2" and "byte-string literals" in line
