"""Finding the source plugins: the ``cryptopulse.sources`` entry-point group.

Every source, the built-in ones included, is declared there (cryptopulse's own in its
``pyproject.toml``), so the settings can learn each source's settings class without core
importing the sources package: the plugin objects are loaded by the entry-point machinery,
and core only reads their ``name`` and ``settings``. ``sources.registry`` builds on this.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from cryptopulse.core.settings_base import SettingsError

ENTRY_POINT_GROUP = "cryptopulse.sources"
OWN_DISTRIBUTION = "cryptopulse"
DEFAULT = "demo"


def declared() -> list[EntryPoint]:
    """The declared sources, unloaded: cryptopulse's own first (the offline default, demo,
    then by name), then other packages' by name."""
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    own = [e for e in found if e.dist is not None and e.dist.name == OWN_DISTRIBUTION]
    others = [e for e in found if e not in own]
    return sorted(own, key=lambda e: (e.name != DEFAULT, e.name)) + sorted(
        others, key=lambda e: e.name
    )


@cache
def source_plugins() -> dict[str, Any]:
    """Every declared source plugin by name, loaded; a broken or clashing one is a
    SettingsError naming it (not a traceback from importlib)."""
    plugins: dict[str, Any] = {}
    for entry in declared():
        try:
            plugin = entry.load()
        except Exception as exc:
            raise SettingsError(
                f"source plugin {entry.name!r} ({entry.value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if getattr(plugin, "name", None) != entry.name or not hasattr(plugin, "settings"):
            raise SettingsError(
                f"source plugin {entry.name!r} ({entry.value}) must be a SourcePlugin "
                f"named {entry.name!r} (cryptopulse.sources.base.SourcePlugin)"
            )
        if entry.name in plugins:
            raise SettingsError(f"two sources are registered as {entry.name!r}; uninstall one")
        plugins[entry.name] = plugin
    if not plugins:
        raise SettingsError(
            f"no source is registered in the {ENTRY_POINT_GROUP!r} entry-point group: "
            "is cryptopulse installed (make setup, or pip install .)?"
        )
    return plugins
