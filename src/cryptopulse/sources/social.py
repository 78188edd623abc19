"""What every social-post source shares: records to per-day batches, and incremental cursors.

A post source (X, Reddit, Bluesky, an archive import) turns what it read into plain dicts
keyed by the ``posts`` dataset's columns (``core.datasets.POSTS``), loosely typed is fine:
``posts_batches`` splits them by the UTC day of ``created_at`` (the lake's partition unit),
one batch per day for the given ``part``, and hands records it could not read on to the
quarantine. Conforming (types, required fields, ranges, duplicates) stays the lake's job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.core.batch import Batch, Reject
from cryptopulse.core.datasets import POSTS, UTC_TS
from cryptopulse.core.settings import SettingsError
from cryptopulse.lake import Lake
from cryptopulse.lake.conform import cast_column
from cryptopulse.lake.state import StateStore

POST_COLUMNS: tuple[str, ...] = tuple(POSTS.schema.names)


def utcnow() -> datetime:
    """Now, in UTC: the default clock of the post sources (tests pass their own)."""
    return datetime.now(UTC)


_TEXT_COLUMNS = frozenset({"source", "post_id", "author", "text", "language", "url"})


def posts_table(records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """``records`` as a table with every ``posts`` column; values keep their loose types
    (text columns as text) and unknown keys are ignored."""
    columns: dict[str, pa.Array] = {}
    for name in POST_COLUMNS:
        values = [r.get(name) for r in records]
        if name in _TEXT_COLUMNS | {"collected_for", "raw"}:
            values = [v if v is None or isinstance(v, str) else str(v) for v in values]
        elif name == "created_at":
            # Datetimes or ISO text only: Arrow would read a bare number beside datetimes as
            # microseconds, silently; as text it is quarantined as unparseable instead.
            values = [v if v is None or isinstance(v, str | datetime) else str(v) for v in values]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types: as text
            columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(columns)


def raw_json(record: Any) -> str:
    """The untouched original record as compact JSON, for the ``raw`` column."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def posts_batches(
    records: Sequence[Mapping[str, Any]] | pa.Table,
    fallback_day: date,
    part: str | None = None,
    rejects: Iterable[Reject] = (),
) -> list[Batch]:
    """One ``posts`` batch per UTC day of ``created_at``, all with ``part``.

    Records whose ``created_at`` is missing or unreadable go with ``fallback_day`` (where
    landing quarantines them); ``rejects`` (unreadable records) also go with it. Days come
    out in order, so a caller can land them as they come.
    """
    table = records if isinstance(records, pa.Table) else posts_table(records)
    rejects = tuple(rejects)
    if table.num_rows == 0:
        return [Batch("posts", fallback_day, table, part=part, rejects=rejects)] if rejects else []
    stamps, _ = cast_column(table.column("created_at").combine_chunks(), UTC_TS, "created_at")
    days = pc.cast(pc.cast(stamps, UTC_TS), pa.date32()).fill_null(fallback_day)
    batches: list[Batch] = []
    for day in sorted(pc.unique(days).to_pylist()):
        rows = table.filter(pc.equal(days, pa.scalar(day, pa.date32())))
        extra = rejects if day == fallback_day else ()
        batches.append(Batch("posts", day, rows, part=part, rejects=extra))
    if rejects and fallback_day not in {b.day for b in batches}:
        batches.append(Batch("posts", fallback_day, table.slice(0, 0), part=part, rejects=rejects))
        batches.sort(key=lambda b: b.day or fallback_day)
    return batches


def part_name(text: str, limit: int = 60) -> str:
    """A query, subreddit or file name as a readable file-name part: ``$BTC OR #bitcoin``
    becomes ``btc-or-bitcoin``."""
    cleaned = re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")
    return cleaned[:limit].strip("-.") or "all"


def _cursor_file(key: str) -> str:
    return part_name(key, limit=120)


class Cursors:
    """Incremental cursors of a post source, one per key (a query, a subreddit), kept in the
    pipeline's state store (``state/cursors/<source>/``). Advance a cursor only after the
    posts it covers are landed."""

    def __init__(self, lake: Lake, source: str) -> None:
        self.state = StateStore(lake).cursors(source, _cursor_file)

    def path(self, key: str) -> str:
        return self.state.path(key)

    def get(self, key: str) -> dict[str, Any]:
        """The cursor of ``key`` ({} when there is none or it cannot be read: start over;
        the warehouse de-duplicates)."""
        data = self.state.get(key) or {}
        cursor = data.get("cursor", {})
        return dict(cursor) if isinstance(cursor, dict) else {}

    def put(self, key: str, cursor: Mapping[str, Any]) -> None:
        self.state.put(key, {"key": key, "cursor": dict(cursor)})


@dataclass(frozen=True)
class CoinTerms:
    """What a post search asks for one coin: its CoinGecko id, ticker and name."""

    coin_id: str
    symbol: str  # upper case, as in a cashtag
    name: str


def coin_terms(coin_ids: str) -> list[CoinTerms]:
    """The search terms of each coin of a comma-separated id list (``social_coins``).

    The ids must be among the coins cryptopulse knows (the demo universe's 30 large coins);
    for anything else, set the source's explicit queries instead.
    """
    from cryptopulse.sources.demo.coins import DEMO_COINS

    known = {c.coin_id: c for c in DEMO_COINS}
    wanted = [c.strip().lower() for c in coin_ids.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise SettingsError(
            f"CRYPTOPULSE_SOCIAL_COINS: unknown coin id {unknown[0]!r}; accepted: "
            f"{', '.join(sorted(known))} (or set explicit queries for the source)"
        )
    return [
        CoinTerms(known[c].coin_id, known[c].symbol.upper(), known[c].name)
        for c in dict.fromkeys(wanted)
    ]
