"""The X source's settings: bearer token, API root, search endpoint, queries, page limit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from cryptopulse.core.settings_base import ApiUrl, EmptyIsUnset
from cryptopulse.sources.social_settings import SocialSettings


class XSettings(SocialSettings):
    """Posts from the X API v2 search (docs/sources/x.md)."""

    x_bearer_token: Annotated[SecretStr | None, EmptyIsUnset] = Field(
        default=None, description="X API v2 app bearer token: from the environment only."
    )
    x_base_url: ApiUrl = Field(default="https://api.x.com/2", description="X API v2 root.")
    x_search: Literal["recent", "all"] = Field(
        default="recent",
        description="X search endpoint: recent (last 7 days) or all (full archive, Pro plan).",
    )
    x_queries: str = Field(
        default="",
        description="X search queries, ';'-separated; unset = one per coin of social_coins.",
    )
    x_max_pages: int = Field(
        default=10, ge=1, le=1000, description="Most result pages per X query and day."
    )
