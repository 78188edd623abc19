"""The HTTP layer of the API sources: one JSON client (``JsonApi``) with a retry policy
(``HttpPolicy``), each API's own rules (``ApiHooks``) and one error tree (``ApiError``)."""

from cryptopulse.sources.http.api import CallStats, JsonApi, new_http_client
from cryptopulse.sources.http.client import ApiClient
from cryptopulse.sources.http.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PlanLimitError,
    RateLimitedError,
    UnavailableError,
)
from cryptopulse.sources.http.hooks import ApiHooks, Auth, QuotaHeaders
from cryptopulse.sources.http.policy import HttpPolicy
from cryptopulse.sources.http.retry import retry_after

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiHooks",
    "Auth",
    "AuthError",
    "CallStats",
    "HttpPolicy",
    "JsonApi",
    "NotFoundError",
    "PlanLimitError",
    "QuotaHeaders",
    "RateLimitedError",
    "UnavailableError",
    "new_http_client",
    "retry_after",
]
