"""Typed errors of the transform, with messages a user can act on."""

from __future__ import annotations

from cryptopulse.core.errors import DataQualityError, FailedCheck, StepError

__all__ = ["DataQualityError", "FailedCheck", "TransformError"]


class TransformError(StepError):
    """dbt could not build a model (SQL error, bad profile, missing file…)."""
