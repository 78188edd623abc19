"""Mention resolution: which coins a post talks about, and how it named them.

Links, e-mail addresses and bare domains are dropped first (``bitcoin.org`` or
``info@bitcoin.com`` name no coin); @handles are taken out and looked at on their own; the
rest is split into words once, and each word or run of words is looked up in dictionaries
built from the coin list, so the cost is linear in the text and does not grow with the number
of coins. Match kinds (``MATCH_KINDS``), strongest first:

* ``cashtag``  ``$BTC``, ``$bitcoin``, ``$BTC.X``: any listed symbol (common words included:
  ``$NEAR``, ``$ONE``) or a name written as one word;
* ``hashtag``  ``#bitcoin``, ``#BitcoinCash``, ``#BTC``: a name without spaces, or a symbol
  that is not a common word; a hashtag that starts a longer name counts as that name
  (``#Bitcoin Cash`` is Bitcoin Cash, ``#Ethereum Classic`` Ethereum Classic);
* ``name``     ``Bitcoin``, ``Bitcoin Cash``, ``Shiba Inu``, ``Bitcoin-based``, ``ShibaInu``,
  ``ビットコイン``: the longest name wins, so "Bitcoin Cash" is Bitcoin Cash, not Bitcoin;
  words of a name must follow each other (a space or a hyphen between them, no comma).
  Names that are ordinary words (Stellar, Harmony, Avalanche, Cosmos, Polygon, Tether, TRON,
  Ripple, Ether, …) count only when capitalised;
* ``symbol``   a bare ``BTC`` or ``eth``: only symbols of 3+ characters that are not common
  words (ONE, NEAR, GAS, SAND, LINK, DOT, … count only as cashtags); lower case only for
  symbols that are not English words at all;
* ``derived``  ``bitcoins``, ``Bitcoiners``, ``Bitcoinize``: a one-word name of 5+ letters
  with a plural or derivational ending (``DERIVED_ENDINGS``);
* ``hashtag_compound``  ``#BitcoinPizzaDay``, ``#bitcoin-friendly``, ``#BTCUSD``: a hashtag
  whose first part is a coin's name (the rest joined by a hyphen or underscore, in camel
  case, or, for names of 6+ letters, in lower case) or a ticker followed by a quote currency
  or a number. Not when the rest is a fork's word (``NOT_THE_COIN``: #BitcoinGold, #BitcoinSV);
* ``handle``   ``@Bitcoin``, ``@solana``, ``@0xPolygon``: a handle equal to a coin's name
  (not an everyday word) or one of its official accounts (``lexicon/mention_aliases_v2.tsv``);
* ``handle_contains``  ``@BitcoinMagazine``, ``@cardano_whale``: a handle that contains a
  coin's name of 6+ letters (the longest such name; not before a fork's word).

A name followed by a fork's word names no coin unless the coin list has that longer name
("Bitcoin Gold", "Bitcoin SV" are not Bitcoin). A symbol or name shared by several coins
resolves to the one the post also names another way (context), else to the largest by market
cap (ties by coin_id). One row per (post, coin), with the strongest match kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyarrow as pa

from cryptopulse.core.datasets import MATCH_KINDS, MENTIONS


def _words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (long word lists stay readable)."""
    return text.split()


RESOLVER_VERSION = "v2"
KIND_RANK = {kind: rank for rank, kind in enumerate(MATCH_KINDS)}

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
        optimism arbitrum celestia injective theta gala flow ripple ether"""
    )
)
# Words that, right after a coin's name, make it another coin (a fork or a namesake): "Bitcoin
# Gold", "#BitcoinSV", "@BitcoinPrivate" are not Bitcoin unless the coin list has that name.
NOT_THE_COIN = frozenset(_words("cash gold sv private diamond abc pow fair classic satoshi vision"))
# A ticker that starts these phrases is not the coin.
NOT_TICKERS = frozenset(("eth zurich", "eth zürich", "eth library", "eth lausanne"))
# Endings that make a derived word of a one-word name: bitcoins, Bitcoiners, Bitcoinize.
DERIVED_ENDINGS = tuple(
    sorted(
        _words(
            """s es er ers ism isms ist ists ize izes ized izing ization ise ised isation ian
            ians ean eans ish ite ites"""
        ),
        key=len,
        reverse=True,
    )
)
# A ticker joined to these in a hashtag is a market pair: #BTCUSD, #ETHBTC, #BTC2021.
QUOTE_CURRENCIES = frozenset(_words("usd usdt usdc busd eur gbp jpy krw btc eth perp"))
# Hashtags that start with a coin's name but are ordinary words: no compound mention.
NOT_COMPOUNDS = frozenset(_words("solanaceae solanaceous"))
_LOWER_OK_MIN = 3  # lower-case bare symbols: only these long, and only not English-like
_DERIVED_MIN = 5  # shortest name that takes a derived ending (not "tron" → "trons")
_LOWER_COMPOUND_MIN = 6  # shortest name that starts a lower-case compound hashtag
_HANDLE_CONTAINS_MIN = 6  # shortest name looked for inside a handle
_MAX_NAME_WORDS = 4

# Links, e-mail addresses and bare domains: nothing in them is a mention.
_URL = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|info|co|me|ly|gl|it|xyz|app|news|tv|cash"
    r"|finance|exchange|network|de|jp|ru|cn|fr|es|uk|us|cc|biz|gg)\b(?:/\S*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,50})")
# A hashtag (hyphens inside: #bitcoin-friendly), a cashtag ($BTC.X) or a word.
_TOKEN = re.compile(
    r"#[A-Za-z0-9_][A-Za-z0-9_\-]*|\$[A-Za-z][A-Za-z0-9_.]*"
    r"|[A-Za-z0-9À-ÖØ-öø-ÿ][A-Za-z0-9À-ÖØ-öø-ÿ_'’]*"
)
_HASHTAG_SPLIT = re.compile(r"[-_]+")
_SENTENCE_END = re.compile(r"[.!?:\n]")


def _clean(token: str) -> str:
    """A token without trailing dots, dashes or quotes, or a possessive "'s"."""
    word = token.rstrip(".'’-_")
    return word[:-2] if word[-2:].lower() in ("'s", "’s") else word


def _proper(word: str, name_words: frozenset[str]) -> bool:
    """Written as a proper noun: Title case, or exactly as a coin's name writes it (TRON)."""
    return word in name_words or (word[:1].isupper() and (word[1:].islower() or not word[1:]))


@dataclass(frozen=True)
class Coin:
    coin_id: str
    symbol: str
    name: str
    market_cap: float | None = None


@dataclass(frozen=True)
class Alias:
    coin_id: str
    kind: str  # handle, name or symbol
    alias: str


@cache
def packaged_aliases() -> tuple[Alias, ...]:
    """The aliases shipped with the resolver (official handles, other names, scripts)."""
    text = (
        resources.files("cryptopulse.enrich")
        .joinpath("lexicon/mention_aliases_v2.tsv")
        .read_text(encoding="utf-8")
    )
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(Alias(coin_id, kind, alias) for coin_id, kind, alias in rows)


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


def _everyday(name: str) -> bool:
    return name in COMMON_WORDS or name in COMMON_NAMES


class MentionResolver:
    """Resolves posts to coins for one coin list (with market caps)."""

    def __init__(self, coins: Iterable[Coin], aliases: Iterable[Alias] | None = None) -> None:
        self.coins = sorted(coins, key=lambda c: c.coin_id)
        known = {c.coin_id for c in self.coins}
        given = packaged_aliases() if aliases is None else aliases
        extra = [a for a in given if a.coin_id in known]
        self._rank = {
            c.coin_id: (-(c.market_cap or 0.0), c.coin_id) for c in self.coins
        }  # largest cap first, then coin_id
        self.by_symbol: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_hashtag: dict[str, list[str]] = {}
        self.by_compact: dict[str, list[str]] = {}  # names without spaces: "bitcoincash"
        self.by_handle: dict[str, list[str]] = {}
        foreign: dict[str, list[str]] = {}  # names in other scripts, found anywhere
        for coin in self.coins:
            names = _aliases(coin) | {
                a.alias.lower() for a in extra if a.coin_id == coin.coin_id and a.kind == "name"
            }
            symbols = {coin.symbol.lower()} | {
                a.alias.lower() for a in extra if a.coin_id == coin.coin_id and a.kind == "symbol"
            }
            for symbol in sorted(s for s in symbols if s):
                _add(self.by_symbol, symbol, coin.coin_id)
            for alias in sorted(names):
                if not alias.isascii():
                    _add(foreign, alias, coin.coin_id)
                    continue
                _add(self.by_name, alias, coin.coin_id)
                _add(self.by_hashtag, alias.replace(" ", ""), coin.coin_id)
                _add(self.by_compact, alias.replace(" ", ""), coin.coin_id)
            for alias in names:
                compact = alias.replace(" ", "")
                if compact.isascii() and not _everyday(compact):
                    _add(self.by_handle, compact, coin.coin_id)
        for official in extra:
            if official.kind == "handle":
                _add(self.by_handle, official.alias.lower(), official.coin_id)
        for symbol, ids in self.by_symbol.items():
            if symbol not in COMMON_WORDS and len(symbol) >= 2:
                for coin_id in ids:
                    _add(self.by_hashtag, symbol, coin_id)
        self._foreign = foreign
        self._foreign_re = (
            re.compile("|".join(re.escape(a) for a in sorted(foreign, key=len, reverse=True)))
            if foreign
            else None
        )
        self._name_words = frozenset(w for c in self.coins for w in c.name.split())
        self._interesting = frozenset(self.by_symbol) | {n.split()[0] for n in self.by_name}
        self._single_names = frozenset(
            n for n in self.by_name if " " not in n and len(n) >= _DERIVED_MIN
        )
        self._prefix_lengths = sorted({len(n) for n in self.by_compact}, reverse=True)
        self._contains_lengths = [n for n in self._prefix_lengths if n >= _HANDLE_CONTAINS_MIN]
        self._heads = frozenset(n[:_DERIVED_MIN] for n in self.by_compact)
        self._heads6 = frozenset(
            n[:_HANDLE_CONTAINS_MIN] for n in self.by_compact if len(n) >= _HANDLE_CONTAINS_MIN
        )
        self.max_name_words = min(
            _MAX_NAME_WORDS, max((len(n.split()) for n in self.by_name), default=1)
        )

    # -- one post -----------------------------------------------------------------------------
    def resolve(self, text: str) -> dict[str, str]:
        """coin_id → match kind for one post."""
        if not text:
            return {}
        found: list[tuple[str, list[str]]] = []
        text = _URL.sub(" ", text)
        for handle in _HANDLE.findall(text):
            self._handle(handle, found)
        text = _HANDLE.sub(" ", text)
        if self._foreign_re is not None and not text.isascii():
            for alias in self._foreign_re.findall(text):
                found.append(("name", self._foreign[alias]))
        matches = list(_TOKEN.finditer(text))
        tokens = [m.group() for m in matches]
        gaps = [""] + [
            text[matches[i - 1].end() : matches[i].start()] for i in range(1, len(matches))
        ]
        # joined[i]: token i directly follows token i - 1 (a space or a hyphen between them)
        joined = [False] + [gap.replace(" ", "") in ("", "-") for gap in gaps[1:]]
        # starts[i]: token i starts the text or a sentence
        starts = [True] + [_SENTENCE_END.search(gap) is not None for gap in gaps[1:]]
        i = 0
        n = len(tokens)
        while i < n:
            token = tokens[i]
            head = token[0]
            if head == "$":
                body = _clean(token[1:])
                body = body[:-2] if body[-2:].upper() == ".X" else body  # StockTwits' $BTC.X
                low = body.lower()
                ids = self.by_symbol.get(low) or self.by_compact.get(low)
                if ids:
                    found.append(("cashtag", ids))
                i += 1
                continue
            if head == "#":
                i += self._hashtag(tokens, joined, i, found)
                continue
            word = _clean(token)
            low = word.lower()
            if low not in self._interesting:  # fast path: most words name no coin
                self._other_word(word, low, found)
                i += 1
                continue
            matched = self._name_at(tokens, joined, i, starts=starts)
            if matched is not None:
                width, ids = matched
                if ids:
                    found.append(("name", ids))
                i += width
                continue
            ids = self.by_symbol.get(low)
            if (
                ids
                and not self._not_a_ticker(tokens, joined, i, low)
                and len(low) >= _LOWER_OK_MIN
                and low not in COMMON_WORDS
                and (word.isupper() or low not in _ENGLISH_LIKE)
            ):
                found.append(("symbol", ids))
            i += 1
        return self._choose(found)

    @staticmethod
    def _not_a_ticker(tokens: list[str], joined: list[bool], i: int, low: str) -> bool:
        """A ticker that is the first word of something else ("ETH Zurich")."""
        if i + 1 >= len(tokens) or not joined[i + 1]:
            return False
        return f"{low} {_clean(tokens[i + 1]).lower()}" in NOT_TICKERS

    def _name_at(
        self,
        tokens: list[str],
        joined: list[bool],
        i: int,
        first: str | None = None,
        starts: list[bool] | None = None,
    ) -> tuple[int, list[str]] | None:
        """The longest coin name starting at token ``i`` (its first word ``first`` when
        given, for a hashtag): (tokens used, coin ids). The ids are empty when the name is
        followed by a fork's word ("Bitcoin Gold"): those tokens name no coin."""
        for width in range(min(self.max_name_words, len(tokens) - i), 0, -1):
            if not all(joined[i + 1 : i + width]):
                continue
            words = [_clean(t) for t in tokens[i : i + width]]
            if first is not None:
                words[0] = first
            if any(w[:1] in "$#" for w in words[1:]) or (first is None and words[0][:1] in "$#"):
                continue
            phrase = " ".join(words).lower()
            ids = self.by_name.get(phrase)
            if not ids:
                continue
            if (phrase in COMMON_NAMES or (width == 1 and phrase in COMMON_WORDS)) and not all(
                _proper(w, self._name_words) for w in words
            ):
                continue  # an everyday word: only as a proper noun (Stellar, not stellar)
            if width == 1 and phrase in COMMON_WORDS and starts is not None and starts[i]:
                continue  # "Gas fees are up": a capital that only starts the sentence
            after = i + width
            if width == 1 and after < len(tokens) and self._fork_follows(tokens, joined, after):
                return width + 1, []
            return width, ids
        return None

    @staticmethod
    def _fork_follows(tokens: list[str], joined: list[bool], after: int) -> bool:
        """A fork's word, written as a name, follows: "Bitcoin Gold", "Bitcoin SV" (not
        "Bitcoin's Gold", "is Bitcoin gold 2.0?")."""
        if tokens[after - 1].rstrip(".'’-_")[-2:].lower() in ("'s", "’s") or not joined[after]:
            return False
        word = _clean(tokens[after])
        return word.lower() in NOT_THE_COIN and not word.islower()

    def _hashtag(
        self, tokens: list[str], joined: list[bool], i: int, found: list[tuple[str, list[str]]]
    ) -> int:
        """Resolves the hashtag at token ``i``; returns how many tokens it used."""
        body = _clean(tokens[i][1:])
        low = body.lower()
        # "#Bitcoin Cash …": a hashtag that starts a longer name is that name.
        matched = self._name_at(tokens, joined, i, first=body)
        if matched is not None and (matched[0] > 1 or not matched[1]):
            if matched[1]:
                found.append(("hashtag", matched[1]))
            return matched[0]
        ids = self.by_hashtag.get(low) or self.by_hashtag.get(_HASHTAG_SPLIT.sub("", low))
        if ids:
            found.append(("hashtag", ids))
            return 1
        ids = self._compound(body)
        if ids:
            found.append(("hashtag_compound", ids))
        return 1

    def _compound(self, body: str) -> list[str] | None:
        """The coin a compound hashtag starts with: #BitcoinPizzaDay, #bitcoin-friendly."""
        low = body.lower()
        if low in NOT_COMPOUNDS:
            return None
        parts = [p for p in _HASHTAG_SPLIT.split(body) if p]
        if len(parts) > 1:
            head, rest = parts[0].lower(), parts[1]
            ids = self.by_compact.get(head)
            if (
                ids
                and self._may_start_compound(head, parts[0], rest)
                and rest.lower() not in NOT_THE_COIN
            ):
                return ids
            ids = self.by_symbol.get(head)
            if ids and self._pair(head, rest):
                return ids
        for length in self._prefix_lengths:
            if length >= len(low):
                continue
            head = low[:length]
            ids = self.by_compact.get(head)
            rest = body[length:]
            if rest[:1] in ("-", "_"):
                continue  # a joined first part, decided above
            if (
                ids
                and self._may_start_compound(head, body[:length], rest)
                and self._compound_rest(body[:length], rest, head)
            ):
                return ids
        for length in (5, 4, 3):  # a ticker and a quote currency: #BTCUSD, #ETHBTC, #BTC2021
            head = low[:length]
            ids = self.by_symbol.get(head)
            if ids and len(low) > length and self._pair(head, body[length:]):
                return ids
        return None

    @staticmethod
    def _may_start_compound(name: str, written: str, rest: str) -> bool:
        """A name may start a compound hashtag; one that is an everyday word only written
        as a proper noun before a capital (#PolygonNFT, not #polygonmesh)."""
        if name in COMMON_WORDS:
            return False
        if name in COMMON_NAMES:
            return written[:1].isupper() and (rest[:1].isupper() or rest[:1].isdigit())
        return True

    @staticmethod
    def _pair(symbol: str, rest: str) -> bool:
        return (
            len(symbol) >= 3
            and symbol not in COMMON_WORDS
            and (rest.lower() in QUOTE_CURRENCIES or rest.isdigit())
        )

    @staticmethod
    def _compound_rest(head: str, rest: str, name: str) -> bool:
        """The rest of a hashtag after a coin's name makes a compound of it."""
        if any(rest.lower().startswith(word) for word in NOT_THE_COIN):
            return False
        if rest[:1].isupper() or rest[:1].isdigit():
            return head[:1].isupper() or head.islower()  # camel case: #BitcoinBowl
        return rest.islower() and len(name) >= _LOWER_COMPOUND_MIN and len(rest) >= 3

    def _other_word(self, word: str, low: str, found: list[tuple[str, list[str]]]) -> None:
        """A word that is no name or symbol: a name written as one word ("ShibaInu") or a
        derived form ("bitcoins", "Bitcoiners")."""
        if len(low) < _DERIVED_MIN or low[:_DERIVED_MIN] not in self._heads:
            return  # fast path: starts like no coin's name
        ids = self.by_compact.get(low)
        if ids and not _everyday(low):
            found.append(("name", ids))
            return
        for ending in DERIVED_ENDINGS:
            stem = low[: -len(ending)]
            if low.endswith(ending) and stem in self._single_names:
                if stem in COMMON_WORDS or (stem in COMMON_NAMES and not word[:1].isupper()):
                    return
                found.append(("derived", self.by_name[stem]))
                return

    def _handle(self, handle: str, found: list[tuple[str, list[str]]]) -> None:
        low = handle.lower()
        ids = self.by_handle.get(low) or self.by_handle.get(low.replace("_", ""))
        if ids:
            found.append(("handle", ids))
            return
        for part in low.split("_"):  # @XRP_Daily_News: a part of the handle is a name
            ids = self.by_compact.get(part)
            if ids and len(part) >= _LOWER_OK_MIN and not _everyday(part):
                found.append(("handle_contains", ids))
                return
        compact = low.replace("_", "")
        best: tuple[int, int, list[str]] | None = None  # (-length, start, ids)
        for start in range(len(compact) - _HANDLE_CONTAINS_MIN + 1):
            if compact[start : start + _HANDLE_CONTAINS_MIN] not in self._heads6:
                continue  # fast path: no coin's name starts here
            for length in self._contains_lengths:
                if start + length > len(compact):
                    continue
                name = compact[start : start + length]
                ids = self.by_compact.get(name)
                if not ids or _everyday(name):
                    continue
                rest = compact[start + length :]
                if any(rest.startswith(w) for w in NOT_THE_COIN):
                    continue
                if best is None or (-length, start) < best[:2]:
                    best = (-length, start, ids)
        if best is not None:
            found.append(("handle_contains", best[2]))

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


def _add(index: dict[str, list[str]], key: str, coin_id: str) -> None:
    ids = index.setdefault(key, [])
    if coin_id not in ids:
        ids.append(coin_id)


# Symbols that spell English words or names even when they are not in COMMON_WORDS: bare,
# they count only in capitals.
_ENGLISH_LIKE = frozenset(
    _words(
        """ada ape bnb cat cro doge dot eos fan gala hex icp lunc mkr okb ont pax qnt sei sol
        stx sui tia trx vet xdc zec zil"""
    )
)
