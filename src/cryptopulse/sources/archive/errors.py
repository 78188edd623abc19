"""The one error an archive import raises for anything the user can fix."""

from __future__ import annotations

from cryptopulse.core.errors import UserError


class ArchiveError(UserError, ValueError):
    """A missing file, an unknown format, a bad column mapping, an unreadable input: one
    message naming what and where (the CLI prints it without a traceback)."""
