"""The pipeline's incremental state: small JSON documents per source and key in the lake.

``state/<kind>/<source>/<key>.json``: the social sources' cursors (``kind`` cursors, one per
query or subreddit) and CoinGecko's watermarks (``watermarks``, one per coin). Writes are
atomic (``Lake.write_json``), so a crash leaves the old document or the new one, never half
of one; a document that cannot be read is treated as absent (the source fetches again and
the lake's files are overwritten, never duplicated). Sources keep their state only
through this store (``Cursors``, ``Watermarks``), never in files of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptopulse.lake import layout
from cryptopulse.lake.storage import Lake


def escaped(key: str) -> str:
    """A key as a file name, reversibly: characters other than letters, digits and ``-._``
    become ``%xx`` (CoinGecko ids)."""
    return "".join(c if c.isalnum() or c in "-._" else f"%{ord(c):02x}" for c in key)


class SourceState:
    """The state documents of one kind (cursors, watermarks) of one source."""

    def __init__(
        self, lake: Lake, kind: str, source: str, file_name: Callable[[str], str] = escaped
    ) -> None:
        self.lake = lake
        self.kind = kind
        self.source = source
        self.file_name = file_name  # how a key is spelled on disk (kept from older lakes)

    def path(self, key: str) -> str:
        return f"{layout.STATE}/{self.kind}/{self.source}/{self.file_name(key)}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The document of ``key``, or None when there is none or it cannot be read."""
        rel = self.path(key)
        if not self.lake.exists(rel):
            return None
        try:
            data = self.lake.read_json(rel)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, document: dict[str, Any]) -> None:
        """Write ``key``'s document (with the source and the time it was written)."""
        stamped = {
            "source": self.source,
            **document,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.lake.write_json(self.path(key), stamped)


class StateStore:
    """Every source's state in one lake."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def cursors(self, source: str, file_name: Callable[[str], str]) -> SourceState:
        return SourceState(self.lake, "cursors", source, file_name)

    def watermarks(self, source: str) -> SourceState:
        return SourceState(self.lake, "watermarks", source, escaped)
