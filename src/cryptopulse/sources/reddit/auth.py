"""Reddit OAuth: an application-only or 'script' app token, refreshed before it expires.

Reddit's token endpoint (``POST {auth_url}/api/v1/access_token``, HTTP basic auth with the
app's client id and secret) answers ``{"access_token", "token_type": "bearer",
"expires_in": 86400, "scope"}``. Without a username the grant is ``client_credentials``
(application-only: read public listings); with one, ``password`` (a 'script' app acting as
its developer account). ``RedditAuth`` implements ``sources.http.Auth``: the data API's
``JsonApi`` asks it for headers (a token is fetched lazily, and again shortly before it
expires) and calls ``refresh`` when Reddit refuses the token (HTTP 401).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptopulse.core.settings import SettingsError
from cryptopulse.sources.http import ApiError, AuthError, JsonApi

TOKEN_PATH = "/api/v1/access_token"
# Fetch a new token this long before the current one runs out (clocks drift, calls take time).
EXPIRY_MARGIN_SECONDS = 60.0
APPS_URL = "https://www.reddit.com/prefs/apps"
CREDENTIALS_HINT = (
    "Check CRYPTOPULSE_REDDIT_CLIENT_ID and CRYPTOPULSE_REDDIT_CLIENT_SECRET "
    f"(the app's id and secret, listed at {APPS_URL})"
)


@dataclass(frozen=True)
class Credentials:
    """A Reddit app's credentials; a username (and password) for a 'script' app."""

    client_id: str
    client_secret: str
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials(client_id=***, username={self.username!r})"

    def secrets(self) -> list[str]:
        return [s for s in (self.client_id, self.client_secret, self.password) if s]


def check_credentials(
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
) -> Credentials:
    """The credentials, or a SettingsError naming the environment variables to set."""
    missing = [
        name
        for name, value in (
            ("CRYPTOPULSE_REDDIT_CLIENT_ID", client_id),
            ("CRYPTOPULSE_REDDIT_CLIENT_SECRET", client_secret),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            f"the reddit source needs an OAuth app's credentials: set {' and '.join(missing)} "
            f"in the environment (create a 'script' app at {APPS_URL}; its id is under the "
            "app's name, its secret next to 'secret')"
        )
    if username and not password:
        raise SettingsError(
            "CRYPTOPULSE_REDDIT_USERNAME is set but CRYPTOPULSE_REDDIT_PASSWORD is not: set "
            "both (a 'script' app signing in as its developer) or neither (application-only)"
        )
    if password and not username:
        raise SettingsError(
            "CRYPTOPULSE_REDDIT_PASSWORD is set but CRYPTOPULSE_REDDIT_USERNAME is not: set "
            "both (a 'script' app signing in as its developer) or neither (application-only)"
        )
    assert client_id is not None and client_secret is not None
    return Credentials(client_id, client_secret, username or None, password or None)


class BasicAuth:
    """HTTP basic auth with the app's id and secret, for the token endpoint only."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        pair = f"{credentials.client_id}:{credentials.client_secret}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode()

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}

    def refresh(self) -> bool:
        return False  # wrong id or secret: nothing to refresh

    def secrets(self) -> list[str]:
        return [*self.credentials.secrets(), self._header, self._header.removeprefix("Basic ")]


class RedditAuth:
    """Bearer tokens for Reddit's OAuth API (implements ``sources.http.Auth``)."""

    def __init__(
        self,
        credentials: Credentials,
        token_api: JsonApi,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.token_api = token_api
        self.clock = clock
        self.tokens_fetched = 0
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"RedditAuth(username={self.credentials.username!r}, token=***)"

    # ---- the Auth protocol ------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        if self._token is None or self.clock() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
            self._fetch_token()
        return {"Authorization": f"bearer {self._token}"}

    def refresh(self) -> bool:
        self._fetch_token()
        return True

    def secrets(self) -> list[str]:
        token = [self._token] if self._token else []
        return [*self.credentials.secrets(), *token]

    def close(self) -> None:
        self.token_api.close()

    # ---- the token endpoint -----------------------------------------------------------------
    def _fetch_token(self) -> None:
        creds = self.credentials
        if creds.username:
            form = {
                "grant_type": "password",
                "username": creds.username,
                "password": creds.password or "",
            }
        else:
            form = {"grant_type": "client_credentials"}
        answer = self.token_api.request("POST", TOKEN_PATH, form=form)
        self.tokens_fetched += 1
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise self._refusal(answer)
        expires_in = answer.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        self._token = token
        self._expires_at = self.clock() + lifetime

    def _refusal(self, answer: dict[str, object]) -> ApiError:
        """Reddit refuses a password grant with HTTP 200 and ``{"error": "invalid_grant"}``."""
        error = answer.get("error")
        if error == "invalid_grant":
            return AuthError(
                "Reddit refused the sign-in (invalid_grant): check CRYPTOPULSE_REDDIT_USERNAME "
                "and CRYPTOPULSE_REDDIT_PASSWORD (the account must be a developer of the "
                "'script' app, and accounts with two-factor authentication cannot sign in "
                "this way); or unset both for application-only access",
                service=self.token_api.service,
            )
        if error is not None:
            detail = self.token_api.redact(str(error))
            return AuthError(
                f"Reddit token endpoint refused the request ({detail}). {CREDENTIALS_HINT}",
                service=self.token_api.service,
            )
        return ApiError(
            "Reddit token endpoint answered without an access_token",
            service=self.token_api.service,
        )
