"""One error tree for every API a source calls; each error names its service and, when the
server answered, the HTTP status. Messages never hold a secret: ``JsonApi`` redacts them."""

from __future__ import annotations

from cryptopulse.core.errors import ServiceError


class ApiError(ServiceError):
    """Something an API answered (or failed to answer) that the source cannot use."""

    def __init__(self, message: str = "", status: int | None = None, service: str = "") -> None:
        super().__init__(message, service)
        self.status = status  # the HTTP status of the refusal, when the server answered


class AuthError(ApiError):
    """Credentials missing, wrong or expired, and a refresh did not help (HTTP 401/403)."""


class NotFoundError(ApiError):
    """The API does not know what was asked for (HTTP 404), e.g. a coin id."""


class PlanLimitError(ApiError):
    """The request is beyond what the access plan allows (e.g. CoinGecko's error 10012:
    history older than the 365 days a public or Demo key may read). Retrying does not help."""

    def __init__(
        self,
        message: str = "",
        status: int | None = None,
        service: str = "",
        code: int | None = None,
    ) -> None:
        super().__init__(message, status, service)
        self.code = code  # the API's own error code, when it gave one


class RateLimitedError(ApiError):
    """Still answered HTTP 429 after every retry, or asked for a wait too long to sit out."""


class UnavailableError(ApiError):
    """Server errors, timeouts, broken connections or invalid JSON after every retry."""
