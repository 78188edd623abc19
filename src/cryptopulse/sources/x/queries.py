"""What the X source searches for: explicit queries, or one query per coin.

A coin's query asks for its cashtag, its name as a hashtag and its name as words, leaves
out retweets (a retweet repeats its original's text and would count one opinion many
times) and keeps English posts only (the sentiment lexicon is English). Explicit queries
(``CRYPTOPULSE_X_QUERIES``) are sent exactly as written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptopulse.core.settings import Settings, SettingsError, section
from cryptopulse.sources.social import CoinTerms, coin_terms, part_name
from cryptopulse.sources.x.settings import XSettings

# The longest query each endpoint accepts on self-serve plans (Enterprise: 4,096).
MAX_QUERY_CHARS = {"recent": 512, "all": 1024}
COIN_QUERY_SUFFIX = "-is:retweet lang:en"


@dataclass(frozen=True)
class XQuery:
    """One search: its text, what its posts are collected for, and its file part."""

    text: str
    collected_for: str  # the coin id, or the query text for explicit queries

    @property
    def part(self) -> str:
        """The file-name part of this query's posts: readable, and unique per query text
        (``$BTC`` and ``#BTC`` read alike once cleaned, so a digest of the text follows)."""
        digest = hashlib.sha256(self.text.encode()).hexdigest()[:8]
        return f"{part_name(self.collected_for, limit=48)}-{digest}"


def coin_query(terms: CoinTerms) -> str:
    """``($BTC OR #Bitcoin OR Bitcoin) -is:retweet lang:en`` for Bitcoin."""
    name = terms.name
    words = f'"{name}"' if " " in name else name
    hashtag = "#" + "".join(ch for ch in name if ch.isalnum())
    alternatives = list(dict.fromkeys([f"${terms.symbol}", hashtag, words]))
    return f"({' OR '.join(alternatives)}) {COIN_QUERY_SUFFIX}"


def build_queries(settings: Settings) -> list[XQuery]:
    """The searches the settings ask for (explicit queries win over coins)."""
    options = section(settings, XSettings)
    limit = MAX_QUERY_CHARS[options.x_search]
    explicit = [q.strip() for q in options.x_queries.split(";") if q.strip()]
    if explicit:
        queries = [XQuery(text=q, collected_for=q) for q in dict.fromkeys(explicit)]
        where = "CRYPTOPULSE_X_QUERIES"
    else:
        queries = [
            XQuery(text=coin_query(t), collected_for=t.coin_id)
            for t in coin_terms(options.social_coins)
        ]
        where = "CRYPTOPULSE_SOCIAL_COINS"
    if not queries:
        raise SettingsError(
            "X source: nothing to search; set CRYPTOPULSE_X_QUERIES (';'-separated) or "
            "CRYPTOPULSE_SOCIAL_COINS (comma-separated CoinGecko ids)"
        )
    for query in queries:
        if len(query.text) > limit:
            raise SettingsError(
                f"{where}: the X query {query.text[:40]!r}… has {len(query.text)} characters; "
                f"{options.x_search} search accepts at most {limit}"
            )
    return queries
