"""Mention resolution against a hand-labelled set of realistic posts, and its batch form."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pytest

from cryptopulse.enrich.mentions import Coin, MentionResolver

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def resolver() -> MentionResolver:
    coins = [
        Coin(cid, sym, name, float(cap)) for cid, sym, name, cap in _rows("labelled_coins.tsv")
    ]
    return MentionResolver(coins)


def _labelled() -> list[tuple[str, set[str]]]:
    return [
        (text, set() if expected == "-" else set(expected.split(",")))
        for expected, text in _rows("labelled_mentions.tsv")
    ]


def test_labelled_set_is_large_and_varied() -> None:
    posts = _labelled()
    assert len(posts) >= 300
    assert len({text for text, _ in posts}) == len(posts)  # no duplicates
    assert sum(1 for _, coins in posts if len(coins) >= 2) >= 40  # several coins per post
    assert sum(1 for _, coins in posts if not coins) >= 60  # false friends, no coin


def test_precision_and_recall_on_the_labelled_set(resolver: MentionResolver) -> None:
    true_pos = false_pos = false_neg = 0
    misses: list[str] = []
    for text, expected in _labelled():
        found = set(resolver.resolve(text))
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
        if found != expected:
            misses.append(f"{text!r}: expected {sorted(expected)}, found {sorted(found)}")
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    print(f"\nmention resolution: precision {precision:.3f}, recall {recall:.3f}")
    print("\n".join(misses))
    assert precision >= 0.95, misses
    assert recall >= 0.95, misses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bitcoin Cash is not Bitcoin", {"bitcoin-cash": "name", "bitcoin": "name"}),
        ("#BitcoinCash fees", {"bitcoin-cash": "hashtag"}),
        ("$UNI fee switch", {"uniswap": "cashtag"}),  # shared symbol: the largest cap
        ("Unicorn Token $UNI airdrop", {"unicorn-token": "cashtag"}),  # context decides
        ("near a key level, one to watch", {}),  # common-word tickers are not bare mentions
        ("$NEAR and $ONE", {"near": "cashtag", "harmony": "cashtag"}),
        ("$BTC and Bitcoin again", {"bitcoin": "cashtag"}),  # strongest kind kept
        ("stellar quarter", {}),
        ("Stellar anchors", {"stellar": "name"}),
    ],
)
def test_rules(resolver: MentionResolver, text: str, expected: dict[str, str]) -> None:
    assert resolver.resolve(text) == expected


def test_resolve_table_keeps_posts_without_coins(resolver: MentionResolver) -> None:
    posts = pa.table(
        {
            "source": ["x", "x", "x"],
            "post_id": ["1", "2", "3"],
            "text": ["$BTC and $ETH", "gm", None],
        }
    )
    out = resolver.resolve_table(posts).to_pylist()
    assert {(r["post_id"], r["coin_id"]) for r in out} == {
        ("1", "bitcoin"),
        ("1", "ethereum"),
        ("2", None),
        ("3", None),
    }


def test_resolution_is_fast(resolver: MentionResolver) -> None:
    texts = [text for text, _ in _labelled()] * 200  # ~60k posts
    posts = pa.table(
        {
            "source": ["x"] * len(texts),
            "post_id": [str(i) for i in range(len(texts))],
            "text": [f"{t} #{i}" for i, t in enumerate(texts)],  # distinct texts: no memo
        }
    )
    start = time.perf_counter()
    resolver.resolve_table(posts)
    per_second = len(texts) / (time.perf_counter() - start)
    assert per_second > 20_000  # 1.5M posts in well under two minutes on one core
