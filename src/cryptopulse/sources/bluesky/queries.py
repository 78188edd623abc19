"""What the Bluesky source searches for: explicit queries, or one per coin.

``CRYPTOPULSE_BLUESKY_QUERIES`` lists queries separated by ``;`` (each collected for its own
text). Unset, there is one query per coin of ``CRYPTOPULSE_SOCIAL_COINS``: the coin's name in
lower case, quoted when it has several words (``bitcoin``, ``"shiba inu"``), collected for
the coin id. Bluesky's search matches words, not cashtags (``$BTC`` finds the word ``btc``,
which many unrelated posts use), and a name is the word people write about a coin.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptopulse.core.settings import SettingsError
from cryptopulse.sources.social import coin_terms, part_name


@dataclass(frozen=True)
class Query:
    """One search: the text sent as ``q``, what its posts are collected for, and the name
    part of its lake files (and of its cursor)."""

    text: str
    collected_for: str
    part: str


def resolve_queries(explicit: str, social_coins: str) -> list[Query]:
    """The queries to run; a SettingsError naming the setting if two would share a file."""
    texts = [q.strip() for q in explicit.split(";") if q.strip()]
    if texts:
        queries = [Query(t, t, part_name(t)) for t in dict.fromkeys(texts)]
        setting = "CRYPTOPULSE_BLUESKY_QUERIES"
    else:
        queries = []
        for coin in coin_terms(social_coins):
            name = coin.name.lower()
            text = f'"{name}"' if " " in name else name
            queries.append(Query(text, coin.coin_id, part_name(text)))
        setting = "CRYPTOPULSE_SOCIAL_COINS"
    by_part: dict[str, Query] = {}
    for query in queries:
        other = by_part.setdefault(query.part, query)
        if other is not query:
            raise SettingsError(
                f"{setting}: the queries {other.text!r} and {query.text!r} would land in the "
                f"same files (both named {query.part!r}); make them differ in a word"
            )
    if not queries:
        raise SettingsError("CRYPTOPULSE_SOCIAL_COINS: no coin to search Bluesky for")
    return queries
