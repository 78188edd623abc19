"""The Bluesky source's settings: the signed-in account, API root, queries, page limit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from cryptopulse.core.settings_base import ApiUrl, EmptyIsUnset
from cryptopulse.sources.social_settings import SocialSettings


class BlueskySettings(SocialSettings):
    """Posts from Bluesky's search, signed in with an app password (docs/sources/bluesky.md)."""

    bluesky_handle: Annotated[str | None, EmptyIsUnset] = Field(
        default=None, description="Bluesky handle that signs in, e.g. you.bsky.social."
    )
    bluesky_app_password: Annotated[SecretStr | None, EmptyIsUnset] = Field(
        default=None, description="A Bluesky app password: from the environment only."
    )
    bluesky_base_url: ApiUrl = Field(
        default="https://bsky.social/xrpc", description="Bluesky PDS XRPC root."
    )
    bluesky_queries: str = Field(
        default="",
        description="Bluesky search queries, ';'-separated; unset = one per coin.",
    )
    bluesky_max_pages: int = Field(
        default=50, ge=1, le=1000, description="Most result pages (100 posts) per query and day."
    )
