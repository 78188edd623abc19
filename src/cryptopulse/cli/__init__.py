"""The ``cryptopulse`` command line (entry point ``cryptopulse.cli:main``).

- ``app``: the Typer app and the commands, each a few lines calling ``orchestrate``
- ``coingecko``: ``extract coingecko``, a backfill with progress bars of its own
- ``options``: the shared options (``--start``, ``--end``, ``--full-refresh``) and dates
- ``errors``: the one error handler (a known failure is one line, a bug keeps its traceback)
- ``progress``: progress bars; ``steps``: a pipeline run with bars and its summary
- ``render/``: every summary a person reads (a run, status, an import, a backfill)
"""

from __future__ import annotations

from cryptopulse.cli.app import app, main

__all__ = ["app", "main"]
