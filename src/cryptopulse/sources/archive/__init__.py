"""Archive import: social posts from files (snscrape JSON lines, the Kaggle Bitcoin Tweets
CSV, any CSV or Parquet with a column mapping), streamed in chunks into the lake.

- ``formats``: which format a file holds, and opening it (gzip and zstd read directly)
- ``snscrape``, ``tabular`` (with ``csvstream``): one reader per format, yielding pieces
- ``chunks``: regrouping pieces into chunks cut at the same records on every import
- ``importer``: landing the chunks, the import manifest, the clean-up of a re-import

The recorded run of an import is ``orchestrate.archive_import``; its summary ``cli.render``.
"""

from __future__ import annotations

from cryptopulse.sources.archive.errors import ArchiveError
from cryptopulse.sources.archive.formats import FORMATS, inspect_input
from cryptopulse.sources.archive.importer import (
    ImportOptions,
    ImportPlan,
    ImportReport,
    import_posts,
    plan_import,
)

__all__ = [
    "FORMATS",
    "ArchiveError",
    "ImportOptions",
    "ImportPlan",
    "ImportReport",
    "import_posts",
    "inspect_input",
    "plan_import",
]
