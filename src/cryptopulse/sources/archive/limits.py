"""The bounds one record of an archive file must keep, whatever its format.

A record over a bound costs only itself: it is quarantined with the reason and the import
goes on, in bounded memory (a record over the size bound is skipped, never held whole).
"""

from __future__ import annotations

# A record (a JSON line, a CSV row, a Parquet row's values) over this many bytes is not a
# post: a file with no line breaks, a binary blob, a quote never closed. The setting
# CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES changes it.
MAX_RECORD_BYTES = 16 * 1024 * 1024
# JSON nested deeper than this is not a tweet (snscrape's deepest, a quoted retweet with
# its users' links, is about 8 levels); deeper input would exhaust the parser's stack.
MAX_JSON_DEPTH = 64


def size_text(nbytes: int) -> str:
    """``16 MiB``, ``1.5 KiB``, ``200 bytes``: a bound as people write it."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes} bytes"


def too_long_reason(kind: str, number: int, max_bytes: int) -> str:
    """The quarantine reason of a record over the size bound: ``line too long: line 7: …``."""
    return (
        f"{kind} too long: {kind} {number}: over {size_text(max_bytes)} "
        "(CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES)"
    )


def too_deep_reason(kind: str, number: int, max_depth: int = MAX_JSON_DEPTH) -> str:
    return f"nested too deep: {kind} {number}: over {max_depth} levels of arrays and objects"
