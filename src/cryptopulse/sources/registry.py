"""The registry of sources: the built-in ones, then those of installed packages.

A package adds a source by declaring a ``SourcePlugin`` in the ``cryptopulse.sources``
entry-point group (``[project.entry-points."cryptopulse.sources"] toy = "toy:PLUGIN"``);
its name becomes valid in ``CRYPTOPULSE_SOURCES``, its settings join the settings (the
environment, .env and config file) and the reference in docs/settings.md.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings, SettingsError, SettingsSection
from cryptopulse.sources.base import Source, SourcePlugin

ENTRY_POINT_GROUP = "cryptopulse.sources"


def _builtin() -> list[SourcePlugin]:
    from cryptopulse.sources.bluesky import PLUGIN as BLUESKY
    from cryptopulse.sources.coingecko import PLUGIN as COINGECKO
    from cryptopulse.sources.demo import PLUGIN as DEMO
    from cryptopulse.sources.reddit import PLUGIN as REDDIT
    from cryptopulse.sources.x import PLUGIN as X

    return [DEMO, COINGECKO, X, REDDIT, BLUESKY]


def _installed() -> list[SourcePlugin]:
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin = entry.load()
        except Exception as exc:  # a broken plugin is named, not a traceback from importlib
            raise SettingsError(
                f"source plugin {entry.name!r} ({entry.value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(plugin, SourcePlugin) or plugin.name != entry.name:
            raise SettingsError(
                f"source plugin {entry.name!r} ({entry.value}) must be a SourcePlugin "
                f"named {entry.name!r} (cryptopulse.sources.base.SourcePlugin)"
            )
        found.append(plugin)
    return found


@cache
def plugins() -> dict[str, SourcePlugin]:
    """Every registered source by name: built-ins first, then installed ones in name order."""
    registered: dict[str, SourcePlugin] = {}
    for plugin in [*_builtin(), *sorted(_installed(), key=lambda p: p.name)]:
        if plugin.name in registered:
            raise SettingsError(f"two sources are registered as {plugin.name!r}; uninstall one")
        registered[plugin.name] = plugin
    return registered


def names() -> tuple[str, ...]:
    return tuple(plugins())


def described() -> str:
    """The registered sources for a help text: ``demo (synthetic market data and posts), …``.
    A plugin that cannot be loaded must not break ``--help``: commands report it."""
    try:
        found = list(plugins().values())
    except UserError:
        found = _builtin()
    return ", ".join(f"{p.name} ({p.about})" if p.about else p.name for p in found)


def settings_classes() -> dict[str, type[SettingsSection] | None]:
    """Each source's settings class (None when it has none); ``core.settings`` reads it."""
    return {name: plugin.settings for name, plugin in plugins().items()}


def build_source(name: str, settings: Settings) -> Source:
    """The configured source called ``name``."""
    plugin = plugins().get(name)
    if plugin is None:
        raise UserError(f"unknown source {name!r}; accepted: {', '.join(names())}")
    return plugin.build(settings)
