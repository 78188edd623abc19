"""Mention resolution: which coins a post talks about, and how it named them.

A post is split into tokens once (links and @handles dropped); each token or run of tokens
is then looked up in dictionaries built from the coin list, so the cost is linear in the
text and independent of how many coins there are. Match kinds, strongest first:

* ``cashtag``  ``$BTC``: any listed symbol, common words included (``$NEAR``, ``$ONE``);
* ``hashtag``  ``#bitcoin``, ``#BitcoinCash``, ``#BTC``: a name without spaces, or a symbol
  that is not a common word;
* ``name``     ``Bitcoin``, ``Bitcoin Cash``, ``Shiba Inu``: the longest name wins, so
  "Bitcoin Cash" is Bitcoin Cash, not Bitcoin. Names that are ordinary words (Stellar,
  Harmony, Avalanche, Cosmos, Polygon, Tether, TRON, …) count only when capitalised;
* ``symbol``   a bare ``BTC`` or ``eth``: only symbols of 3+ characters that are not common
  words (ONE, NEAR, GAS, SAND, LINK, DOT, … count only as cashtags); lower case only for
  symbols that are not English words at all.

A symbol or name shared by several coins resolves to the one the post also names another way
(context), else to the largest by market cap (ties by coin_id). One row per (post, coin),
with the strongest match kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from cryptopulse.core.datasets import MENTIONS


def _words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (long word lists stay readable)."""
    return text.split()


RESOLVER_VERSION = "v1"
KIND_RANK = {"cashtag": 0, "hashtag": 1, "name": 2, "symbol": 3}

MENTION_SCHEMA = MENTIONS.schema

# Tickers and names that are everyday words (English, or chat words): never bare mentions.
COMMON_WORDS = frozenset(
    _words(
        """a about all alpha amp an and any ant apt ar are arb art as at atom band bat be beam bit
        blur bond bone box but by cake can cat celo chz coin core cow cream cro cult dash data day
        dear dent dog dot dydx earn eat edge ego eth2 ever fact fan farm fet fil fire flow flux for
        forth frax fun gas get glm go gold gt hard hero high hot hunt icx id ilv in is it joe just
        key kin kind knc lady life link lit loom lot lqty luna magic mana mask max me meme mina
        mint moon more near neo new next now om one op ordi orn pay pen people pond pool pro
        pump quick rad rare ray real rose rune safe sand send ship sky snx so space spell storj
        sun super sushi swap sweat t the time ton tree true trust two uni up us wax waves win wing
        woo x yes you"""
    )
)
# Names that are ordinary words: matched only when written with a capital letter.
COMMON_NAMES = frozenset(
    _words(
        """avalanche cosmos harmony polygon stellar tether tron hedera maker render graph
        optimism arbitrum celestia injective theta gala flow"""
    )
)
# Lower-case bare symbols are accepted only for these clearly crypto tickers.
_LOWER_OK_MIN = 3
_TOKEN = re.compile(r"[$#]?[A-Za-z0-9][A-Za-z0-9_\-.']*")
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@\w+")
_MAX_NAME_WORDS = 4


def _clean(token: str) -> str:
    """A token without trailing dots, dashes or quotes, or a possessive "'s"."""
    word = token.rstrip(".'-")
    return word[:-2] if word[-2:].lower() == "'s" else word


def _proper(word: str, name_words: frozenset[str]) -> bool:
    """Written as a proper noun: Title case, or exactly as a coin's name writes it (TRON)."""
    return word in name_words or (word[:1].isupper() and (word[1:].islower() or not word[1:]))


@dataclass(frozen=True)
class Coin:
    coin_id: str
    symbol: str
    name: str
    market_cap: float | None = None


def _aliases(coin: Coin) -> set[str]:
    """Lower-case names a post may use for ``coin``: its name, and the name without a
    generic prefix or suffix ("The Sandbox" → "sandbox", "Cosmos Hub" → "cosmos")."""
    name = " ".join(coin.name.lower().split())
    found = {name}
    words = name.split()
    if len(words) > 1 and words[0] == "the":
        found.add(" ".join(words[1:]))
    if len(words) > 1 and words[-1] in {"hub", "protocol", "network", "token", "coin", "chain"}:
        alias = " ".join(words[:-1])
        if alias not in COMMON_WORDS:
            found.add(alias)
    return found


class MentionResolver:
    """Resolves posts to coins for one coin list (with market caps)."""

    def __init__(self, coins: Iterable[Coin]) -> None:
        self.coins = sorted(coins, key=lambda c: c.coin_id)
        self._rank = {
            c.coin_id: (-(c.market_cap or 0.0), c.coin_id) for c in self.coins
        }  # largest cap first, then coin_id
        self.by_symbol: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_hashtag: dict[str, list[str]] = {}
        for coin in self.coins:
            symbol = coin.symbol.lower()
            if symbol:
                self.by_symbol.setdefault(symbol, []).append(coin.coin_id)
            for alias in _aliases(coin):
                self.by_name.setdefault(alias, []).append(coin.coin_id)
                self.by_hashtag.setdefault(alias.replace(" ", ""), []).append(coin.coin_id)
        for symbol, ids in self.by_symbol.items():
            if symbol not in COMMON_WORDS and len(symbol) >= 2:
                for coin_id in ids:
                    if coin_id not in self.by_hashtag.get(symbol, []):
                        self.by_hashtag.setdefault(symbol, []).append(coin_id)
        self._name_words = frozenset(w for c in self.coins for w in c.name.split())
        self._interesting = frozenset(self.by_symbol) | {n.split()[0] for n in self.by_name}
        self.max_name_words = min(
            _MAX_NAME_WORDS, max((len(n.split()) for n in self.by_name), default=1)
        )

    # -- one post -----------------------------------------------------------------------------
    def resolve(self, text: str) -> dict[str, str]:
        """coin_id → match kind for one post."""
        if not text:
            return {}
        tokens = _TOKEN.findall(_NOISE.sub(" ", text))
        # candidates: (kind, coin ids that could be meant)
        found: list[tuple[str, list[str]]] = []
        i = 0
        n = len(tokens)
        while i < n:
            token = tokens[i]
            head = token[0]
            if head == "$":
                ids = self.by_symbol.get(_clean(token[1:]).lower())
                if ids and token[1:2].isalpha():
                    found.append(("cashtag", ids))
                i += 1
                continue
            if head == "#":
                ids = self.by_hashtag.get(_clean(token[1:]).lower())
                if ids:
                    found.append(("hashtag", ids))
                i += 1
                continue
            word = _clean(token)
            low = word.lower()
            if low not in self._interesting:  # fast path: most words name no coin
                i += 1
                continue
            matched = self._name_at(tokens, i)
            if matched is not None:
                width, ids = matched
                found.append(("name", ids))
                i += width
                continue
            ids = self.by_symbol.get(low)
            if (
                ids
                and len(low) >= _LOWER_OK_MIN
                and low not in COMMON_WORDS
                and (word.isupper() or low not in _ENGLISH_LIKE)
            ):
                found.append(("symbol", ids))
            i += 1
        return self._choose(found)

    def _name_at(self, tokens: list[str], i: int) -> tuple[int, list[str]] | None:
        """The longest coin name starting at token ``i``: (tokens used, coin ids)."""
        for width in range(min(self.max_name_words, len(tokens) - i), 0, -1):
            words = [_clean(t) for t in tokens[i : i + width]]
            if any(w[:1] in "$#" for w in words):
                continue
            phrase = " ".join(words).lower()
            ids = self.by_name.get(phrase)
            if not ids:
                continue
            if (phrase in COMMON_NAMES or (width == 1 and phrase in COMMON_WORDS)) and not all(
                _proper(w, self._name_words) for w in words
            ):
                continue  # an everyday word: only as a proper noun (Stellar, not stellar)
            return width, ids
        return None

    def _choose(self, found: list[tuple[str, list[str]]]) -> dict[str, str]:
        # Context: coins named unambiguously (one candidate) settle the shared ones.
        certain = {ids[0] for _, ids in found if len(ids) == 1}
        result: dict[str, str] = {}
        for kind, ids in found:
            if len(ids) == 1:
                coin_id = ids[0]
            else:
                in_context = [c for c in ids if c in certain]
                coin_id = min(in_context or ids, key=self._rank.__getitem__)
            old = result.get(coin_id)
            if old is None or KIND_RANK[kind] < KIND_RANK[old]:
                result[coin_id] = kind
        return result

    # -- a batch --------------------------------------------------------------------------------
    def resolve_table(self, posts: pa.Table) -> pa.Table:
        """MENTION_SCHEMA rows for a table with ``source``, ``post_id`` and ``text``: one per
        (post, coin), and one with ``coin_id`` null for a post that names no coin."""
        sources: list[str] = []
        post_ids: list[str] = []
        coin_ids: list[str | None] = []
        kinds: list[str | None] = []
        memo: dict[str, dict[str, str]] = {}
        for source, post_id, text in zip(
            posts["source"].to_pylist(),
            posts["post_id"].to_pylist(),
            posts["text"].to_pylist(),
            strict=True,
        ):
            mentions = memo.get(text or "")
            if mentions is None:
                mentions = self.resolve(text or "")
                if len(memo) < 1_000_000:
                    memo[text or ""] = mentions
            # A post naming no coin gets one row with coin_id null: it is resolved, not new.
            pairs: list[tuple[str | None, str | None]] = list(mentions.items()) or [(None, None)]
            for coin_id, kind in pairs:
                sources.append(source)
                post_ids.append(post_id)
                coin_ids.append(coin_id)
                kinds.append(kind)
        return pa.table(
            {
                "source": pa.array(sources, pa.string()),
                "post_id": pa.array(post_ids, pa.string()),
                "coin_id": pa.array(coin_ids, pa.string()),
                "match_kind": pa.array(kinds, pa.string()),
                "resolver_version": pa.array([RESOLVER_VERSION] * len(kinds), pa.string()),
            },
            schema=MENTION_SCHEMA,
        )


# Symbols that spell English words or names even when they are not in COMMON_WORDS: bare,
# they count only in capitals.
_ENGLISH_LIKE = frozenset(
    _words(
        """ada ape bnb cat cro doge dot eos fan gala hex icp lunc mkr okb ont pax qnt sei sol
        stx sui tia trx vet xdc zec zil"""
    )
)
