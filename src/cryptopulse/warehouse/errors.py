"""Typed errors of the transform, with messages a user can act on."""

from __future__ import annotations

from cryptopulse.core.errors import DataQualityError, FailedCheck, StepError, UserError

__all__ = ["DataQualityError", "FailedCheck", "NothingToBuild", "TransformError"]


class TransformError(StepError):
    """dbt could not build a model (SQL error, bad profile, missing file…)."""


class NothingToBuild(UserError):
    """The lake has no landed data: often a mistyped CRYPTOPULSE_LAKE_URL. Building would
    give empty tables whose checks all pass, which looks like success."""
