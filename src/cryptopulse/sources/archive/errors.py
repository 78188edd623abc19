"""The one error an archive import raises for anything the user can fix."""

from __future__ import annotations

from cryptopulse.core.errors import UserError


class ArchiveError(UserError, ValueError):
    """A missing file, an unknown format, a bad column mapping, an unreadable input: one
    message naming what and where (the CLI prints it without a traceback)."""


def printable(text: str | bytes, limit: int = 80) -> str:
    """``text`` as one printable line for a message: bytes decoded as UTF-8 where they are,
    control characters and undecodable bytes escaped (a NUL never reaches the terminal),
    cut at ``limit`` characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return shown[:limit] + ("…" if len(shown) > limit else "")
