"""The Reddit source's settings: the OAuth app, User-Agent, subreddits and API roots."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from cryptopulse.core.settings_base import ApiUrl, EmptyIsUnset
from cryptopulse.sources.social_settings import SocialSettings

Secret = Annotated[SecretStr | None, EmptyIsUnset]


class RedditSettings(SocialSettings):
    """New posts and comments of subreddits, from Reddit's OAuth API (docs/sources/reddit.md)."""

    reddit_client_id: Secret = Field(
        default=None, description="Reddit OAuth app client id: from the environment only."
    )
    reddit_client_secret: Secret = Field(
        default=None, description="Reddit OAuth app secret: from the environment only."
    )
    reddit_username: Annotated[str | None, EmptyIsUnset] = Field(
        default=None, description="Reddit account of a 'script' app (optional)."
    )
    reddit_password: Secret = Field(
        default=None, description="That account's password: from the environment only."
    )
    reddit_user_agent: str = Field(
        default="python:cryptopulse:v0 (by /u/cryptopulse)",
        description="User-Agent Reddit requires: platform:app:version (by /u/you).",
    )
    reddit_subreddits: str = Field(
        default="CryptoCurrency,Bitcoin,ethereum", description="Subreddits, comma-separated."
    )
    reddit_comments: bool = Field(default=True, description="Also collect comments.")
    reddit_base_url: ApiUrl = Field(
        default="https://oauth.reddit.com", description="Reddit OAuth API root."
    )
    reddit_auth_url: ApiUrl = Field(
        default="https://www.reddit.com", description="Reddit's token endpoint host."
    )
