"""What is an API's own, plugged into ``JsonApi``: credentials, quota headers, how it words
refusals, and the callbacks for rules the generic client does not know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx


class Auth(Protocol):
    """Credentials for a ``JsonApi``: the headers to send and, for tokens that expire, a
    way to get new ones."""

    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> bool:
        """Obtain fresh credentials after the server refused them; False if impossible."""
        ...

    def secrets(self) -> list[str]:
        """Every secret value, so messages can be redacted."""
        ...


@dataclass(frozen=True)
class QuotaHeaders:
    """An API's rate-limit headers: how many calls remain, and when the window resets
    (a UNIX time, or seconds from now)."""

    remaining: str
    reset: str
    reset_is_epoch: bool = True


def token_expired_on_401(response: httpx.Response) -> bool:
    return response.status_code == 401


def default_error_message(body: Any) -> str:
    """The human part of a JSON error body, in the shapes the post APIs use."""
    if isinstance(body, dict):
        for key in ("detail", "message", "error_description", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
    return ""


@dataclass(frozen=True)
class ApiHooks:
    """An API's own rules for ``JsonApi``.

    ``auth`` sends (and refreshes) credentials; ``quota`` names its rate-limit headers;
    ``hint`` is appended to auth and quota errors (which setting to check); ``expired`` says
    whether a refusal means the token expired; ``error_message`` finds the message in an
    error body; ``throttle`` runs before every attempt (a client-side rate limiter; it
    returns the seconds it waited); ``refuse`` turns an answer that is not retried into the
    API's own error (None: the default errors).
    """

    auth: Auth | None = None
    quota: QuotaHeaders | None = None
    hint: str = ""
    expired: Callable[[httpx.Response], bool] = token_expired_on_401
    error_message: Callable[[Any], str] = default_error_message
    throttle: Callable[[], float] | None = None
    refuse: Callable[[httpx.Response, str], Exception | None] | None = None
