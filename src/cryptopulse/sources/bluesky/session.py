"""Signing in to Bluesky with an app password: one session per run, refreshed when it expires.

``com.atproto.server.createSession`` trades the handle and app password for an access token
(short-lived, sent as ``Authorization: Bearer``) and a refresh token. When the server says the
access token expired (HTTP 400 ``ExpiredToken``, or 401), ``refresh`` asks
``com.atproto.server.refreshSession`` for new tokens with the refresh token, and signs in
again if that is refused too. Sign-ins are rate limited far more tightly than other calls
(30 per 5 minutes and 100 to 300 a day per handle), hence one session per run, created on
first use.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from cryptopulse.sources.http import ApiError, AuthError, JsonApi

log = logging.getLogger(__name__)

SERVICE = "Bluesky"
CREATE_PATH = "/com.atproto.server.createSession"
REFRESH_PATH = "/com.atproto.server.refreshSession"
CREDENTIALS_HINT = (
    "Check CRYPTOPULSE_BLUESKY_HANDLE and CRYPTOPULSE_BLUESKY_APP_PASSWORD (an app password "
    "from Bluesky's Settings → Privacy and security → App passwords, not the account password)"
)
# Refusals that a new access token can cure.
_TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


def token_expired(response: httpx.Response) -> bool:
    """Whether a refusal means "get a new access token": 401, or 400 ExpiredToken."""
    if response.status_code == 401:
        return True
    if response.status_code != 400:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") in _TOKEN_ERRORS


class BlueskySession:
    """App-password credentials for a ``JsonApi`` (implements ``sources.http.Auth``).

    ``bind`` the API the session signs in through (the same one its tokens are used on).
    """

    def __init__(self, handle: str, app_password: str) -> None:
        self.handle = handle.strip().removeprefix("@")
        self._password = app_password
        self._access: str | None = None
        self._refresh: str | None = None
        self._api: JsonApi | None = None
        self.did: str | None = None
        self.created = 0  # sign-ins (createSession calls that succeeded)
        self.refreshed = 0  # refreshSession calls that succeeded

    def __repr__(self) -> str:  # never the password or tokens
        return f"BlueskySession(handle={self.handle!r}, signed_in={self._access is not None})"

    def bind(self, api: JsonApi) -> None:
        self._api = api

    @property
    def api(self) -> JsonApi:
        if self._api is None:
            raise RuntimeError("BlueskySession.bind(api) first")
        return self._api

    # ---- the Auth protocol ------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        if self._access is None:
            self.create()
        return {"authorization": f"Bearer {self._access}"}

    def refresh(self) -> bool:
        if self._refresh is not None:
            try:
                answer = self.api.request(
                    "POST",
                    REFRESH_PATH,
                    headers={"authorization": f"Bearer {self._refresh}"},
                    use_auth=False,
                )
                self._take(answer)
                self.refreshed += 1
                log.info("Bluesky: session refreshed")
                return True
            except ApiError as exc:  # the refresh token expired too: sign in again
                log.info("Bluesky: session refresh refused (%s); signing in again", exc)
        self.create()
        return True

    def secrets(self) -> list[str]:
        return [s for s in (self._password, self._access, self._refresh) if s]

    # ---- signing in -------------------------------------------------------------------------
    def create(self) -> None:
        """Sign in (``createSession``); a refusal is an ``AuthError`` naming the settings."""
        try:
            answer = self.api.request(
                "POST",
                CREATE_PATH,
                json_body={"identifier": self.handle, "password": self._password},
                use_auth=False,
            )
        except AuthError as exc:
            raise AuthError(
                f"Bluesky refused to sign in as {self.handle!r}: {exc}. {CREDENTIALS_HINT}",
                exc.status,
                SERVICE,
            ) from None
        self._take(answer)
        self.created += 1
        log.info("Bluesky: signed in as %s", self.handle)

    def _take(self, answer: dict[str, Any]) -> None:
        access, refresh = answer.get("accessJwt"), answer.get("refreshJwt")
        if not isinstance(access, str) or not access or not isinstance(refresh, str):
            raise ApiError(
                "Bluesky: the session answer holds no accessJwt/refreshJwt", service=SERVICE
            )
        self._access, self._refresh = access, refresh
        did = answer.get("did")
        self.did = did if isinstance(did, str) else self.did
