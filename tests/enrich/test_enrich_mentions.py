"""Mention resolution against a hand-labelled set of realistic posts, and its batch form."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from cryptopulse.core.datasets import MATCH_KINDS
from cryptopulse.enrich.mentions import Coin, MentionResolver

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def labelled_resolver() -> MentionResolver:
    """The resolver for the labelled set's coin list (also used by the benchmark)."""
    coins = [
        Coin(cid, sym, name, float(cap)) for cid, sym, name, cap in _rows("labelled_coins.tsv")
    ]
    return MentionResolver(coins)


@pytest.fixture(scope="module")
def resolver() -> MentionResolver:
    return labelled_resolver()


def _labelled() -> list[tuple[str, dict[str, str | None]]]:
    """(text, coin → expected match kind, None where the row gives no kind)."""
    posts = []
    for expected, text in _rows("labelled_mentions.tsv"):
        coins: dict[str, str | None] = {}
        for item in [] if expected == "-" else expected.split(","):
            coin, _, kind = item.partition(":")
            coins[coin] = kind or None
        posts.append((text, coins))
    return posts


def test_labelled_set_is_large_and_varied() -> None:
    posts = _labelled()
    assert len(posts) >= 1_000
    assert len({text for text, _ in posts}) == len(posts)  # no duplicates
    assert sum(1 for _, coins in posts if len(coins) >= 2) >= 150  # several coins per post
    assert sum(1 for _, coins in posts if not coins) >= 200  # false friends, no coin
    kinds = Counter(kind for _, coins in posts for kind in coins.values() if kind)
    assert set(kinds) == set(MATCH_KINDS) and min(kinds.values()) >= 50, kinds
    texts = [text for text, _ in posts]
    assert sum(1 for t in texts if t.startswith("RT @")) >= 50  # retweets
    assert sum(1 for t in texts if "http" in t) >= 50  # links
    assert sum(1 for t in texts if not t.isascii()) >= 200  # emoji, other scripts


def per_kind_report(
    resolver: MentionResolver,
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Precision and recall overall and per match kind, and the posts resolved wrongly.

    Recall of a kind: of the labelled mentions written that way, the share found (as any
    kind); precision of a kind: of the mentions the resolver reports with that kind, the
    share that are labelled. Both count (post, coin) pairs."""
    found_pairs: Counter[str] = Counter()
    true_found: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    recalled: Counter[str] = Counter()
    misses: list[str] = []
    for text, expected in _labelled():
        found = resolver.resolve(text)
        for coin, kind in found.items():
            for key in ("overall", kind):
                found_pairs[key] += 1
                true_found[key] += coin in expected
        for coin, label in expected.items():
            for key in ("overall", label) if label else ("overall",):
                labelled[key] += 1
                recalled[key] += coin in found
        if set(found) != set(expected):
            misses.append(f"{text!r}: expected {sorted(expected)}, found {sorted(found)}")
    report = {
        key: {
            "precision": true_found[key] / found_pairs[key] if found_pairs[key] else 1.0,
            "recall": recalled[key] / labelled[key] if labelled[key] else 1.0,
            "labelled": labelled[key],
            "found": found_pairs[key],
        }
        for key in ("overall", *MATCH_KINDS)
    }
    return report, misses


def test_precision_and_recall_on_the_labelled_set(resolver: MentionResolver) -> None:
    report, misses = per_kind_report(resolver)
    print("\nkind               precision  recall  labelled  found")
    for key, row in report.items():
        print(
            f"{key:<18} {row['precision']:9.3f} {row['recall']:7.3f}"
            f" {row['labelled']:9.0f} {row['found']:6.0f}"
        )
    print("\n".join(misses))
    assert report["overall"]["precision"] >= 0.98, misses
    assert report["overall"]["recall"] >= 0.98, misses
    for kind in MATCH_KINDS:
        assert report[kind]["precision"] >= 0.95, (kind, misses)
        assert report[kind]["recall"] >= 0.95, (kind, misses)


def test_the_labelled_kind_is_the_kind_found(resolver: MentionResolver) -> None:
    # The kind recorded is the way the post named the coin (its strongest way).
    pairs = [
        (text, coin, kind, resolver.resolve(text).get(coin))
        for text, expected in _labelled()
        for coin, kind in expected.items()
        if kind
    ]
    wrong = [p for p in pairs if p[3] is not None and p[3] != p[2]]
    assert len(wrong) <= 0.02 * len(pairs), wrong


def test_bitcoin_cash_is_never_bitcoin_alone(resolver: MentionResolver) -> None:
    about_bch = [(t, e) for t, e in _labelled() if "bitcoin-cash" in e and "bitcoin" not in e]
    assert len(about_bch) >= 40
    for text, _ in about_bch:
        found = resolver.resolve(text)
        assert "bitcoin-cash" in found and "bitcoin" not in found, (text, found)


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
        # the kinds of real archives
        ("@Bitcoin fix the fees", {"bitcoin": "handle"}),
        ("@0xPolygon any news?", {"matic-network": "handle"}),  # an official account
        ("via @BitcoinMagazine", {"bitcoin": "handle_contains"}),
        ("@harmony_yoga class at 6", {}),  # an everyday word in a handle
        ("#Bitcoin-based payments", {"bitcoin": "hashtag_compound"}),
        ("#BitcoinPizzaDay again", {"bitcoin": "hashtag_compound"}),
        ("#BitcoinGold airdrop", {}),  # a fork's word: not Bitcoin
        ("#Solanaceae family", {}),
        ("#polygonmesh tips", {}),  # an everyday name needs a capital to start a compound
        ("#BTCUSD 4h", {"bitcoin": "hashtag_compound"}),
        ("two bitcoins", {"bitcoin": "derived"}),
        ("Bitcoiners unite", {"bitcoin": "derived"}),
        ("diethyl ethers", {}),
        ("$bitcoin and $Ethereum", {"bitcoin": "cashtag", "ethereum": "cashtag"}),
        ("$BTC.X breakout", {"bitcoin": "cashtag"}),
        ("#Bitcoin Cash rally", {"bitcoin-cash": "hashtag"}),
        ("#Ethereum Classic rally", {"ethereum-classic": "hashtag"}),
        ("Bitcoin SV fans", {}),
        ("Bitcoin, cash and gold", {"bitcoin": "name"}),  # a comma splits a name
        ("Bitcoin's Gold rush", {"bitcoin": "name"}),
        ("see https://bitcoin.org and bitcoin.org/en", {}),
        ("mail info@bitcoin.com or bitcoin@gmail.com", {}),
        ("Oh no. Gas fees again", {}),  # an everyday-word name starting a sentence
        ("ETH Zurich study", {}),
        ("ビットコインが急騰", {"bitcoin": "name"}),
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
