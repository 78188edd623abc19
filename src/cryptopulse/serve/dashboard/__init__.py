"""The dashboard: Streamlit pages with Plotly charts over the marts, read-only.

``cryptopulse dashboard`` runs ``app.py`` with Streamlit on 127.0.0.1 (``launch``). The
pages read through ``source`` (the warehouse's read-only reader, or the exported marts in
the lake when no warehouse can be reached); ``queries`` and ``health`` shape what they read
into DataFrames and ``charts`` draws them, with no Streamlit in either, so they are tested
as plain functions. Only this package imports streamlit, plotly and pandas (the
``dashboard`` extra; an import-linter contract keeps it so).
"""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).parent / "app.py"
