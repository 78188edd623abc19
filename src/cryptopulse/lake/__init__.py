"""The lake: raw, quarantine, marts and state, on a local folder or S3."""

from cryptopulse.core.settings import Settings
from cryptopulse.lake.storage import Lake

__all__ = ["Lake", "open_lake"]


def open_lake(settings: Settings) -> Lake:
    """The lake the settings name (a local folder, or s3:// with its endpoint)."""
    return Lake(settings.lake_url, s3_endpoint_url=settings.s3_endpoint_url)
