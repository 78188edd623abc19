"""The lake: raw, quarantine, marts and state, on a local folder or S3."""

from cryptopulse.lake.storage import Lake

__all__ = ["Lake"]
