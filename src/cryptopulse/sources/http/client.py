"""The base of every source's API client: it talks through one ``JsonApi`` and closes it."""

from __future__ import annotations

from typing import Self

from cryptopulse.sources.http.api import CallStats, JsonApi


class ApiClient:
    """A client of one API; subclasses set ``api`` and add the endpoints."""

    api: JsonApi

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api.base_url!r})"

    @property
    def stats(self) -> CallStats:
        return self.api.stats

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
