"""The registry of sources: every ``SourcePlugin`` declared in the ``cryptopulse.sources``
entry-point group, the built-in ones first.

cryptopulse declares its own sources in its ``pyproject.toml``; another package adds one the
same way (``[project.entry-points."cryptopulse.sources"] toy = "toy:PLUGIN"``): its name
becomes valid in ``CRYPTOPULSE_SOURCES``, its settings join the settings (the environment,
.env and config file) and the reference in docs/settings.md.
"""

from __future__ import annotations

from cryptopulse.core.errors import UserError
from cryptopulse.core.plugins import ENTRY_POINT_GROUP, declared, source_plugins
from cryptopulse.core.settings import Settings, SettingsError
from cryptopulse.sources.base import Source, SourcePlugin

__all__ = ["ENTRY_POINT_GROUP", "build_source", "described", "names", "plugins"]


def plugins() -> dict[str, SourcePlugin]:
    """Every registered source by name: built-ins first, then installed ones in name order."""
    found = source_plugins()
    for name, plugin in found.items():
        if not isinstance(plugin, SourcePlugin):
            raise SettingsError(
                f"source plugin {name!r} must be a SourcePlugin "
                "(cryptopulse.sources.base.SourcePlugin)"
            )
    return dict(found)


def names() -> tuple[str, ...]:
    return tuple(plugins())


def described() -> str:
    """The registered sources for a help text: ``demo (synthetic market data and posts), …``.
    A plugin that cannot be loaded must not break ``--help``: commands report it."""
    try:
        return ", ".join(f"{p.name} ({p.about})" if p.about else p.name for p in plugins().values())
    except UserError:
        return ", ".join(entry.name for entry in declared())


def build_source(name: str, settings: Settings) -> Source:
    """The configured source called ``name``."""
    plugin = plugins().get(name)
    if plugin is None:
        raise UserError(f"unknown source {name!r}; accepted: {', '.join(names())}")
    return plugin.build(settings)
