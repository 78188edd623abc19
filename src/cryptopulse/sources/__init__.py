"""Sources: one package per source behind one base class (``sources.base.Source``), found
through one registry (``sources.registry``)."""

from __future__ import annotations

from cryptopulse.sources.registry import build_source, names

__all__ = ["build_source", "names"]
