"""dbt's JSON schemas of its own config classes, kept on disk from one process to the next.

Every dbt invocation validates dbt_project.yml, profiles.yml and its flags against JSON
schemas that dbt builds from its dataclasses (mashumaro) the first time in each process:
about 2 s of the 4.6 s ``dbt parse`` takes on a busy 2-core machine, paid by every
``cryptopulse transform`` and daily run. A schema depends only on the class's definition, so
it is kept in the engine's work dir, keyed by the installed versions of dbt and mashumaro,
and dbt's ``json_schema`` answers from it. The validation itself still runs every time.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_FILE = "dbt_json_schemas.json"
# The packages whose classes (or whose schema builder) a schema comes from.
_DISTRIBUTIONS = (
    "dbt-core",
    "dbt-common",
    "dbt-adapters",
    "dbt-duckdb",
    "dbt-postgres",
    "dbt-redshift",
    "dbt-spark",
    "dbt-semantic-interfaces",
    "mashumaro",
)

_schemas: dict[str, dict[str, Any]] = {}
_added = False  # schemas built in this process, not yet on disk


def versions_key() -> str:
    """The installed versions of the packages a schema depends on."""
    found = []
    for name in _DISTRIBUTIONS:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name}=={metadata.version(name)}")
    return ";".join(found)


def _install() -> None:
    """Make dbt's ``json_schema`` look in ``_schemas`` first (once per process)."""
    from dbt_common.dataclass_schema import dbtClassMixin

    current = dbtClassMixin.__dict__["json_schema"]
    if getattr(current, "_cryptopulse_cached", False):
        return
    build = current.__func__  # dbt's own (an lru_cache of the builder)

    def json_schema(cls: type) -> dict[str, Any]:
        global _added
        name = f"{cls.__module__}.{cls.__qualname__}"
        schema = _schemas.get(name)
        if schema is None:
            schema = _schemas[name] = build(cls)
            _added = True
        return schema

    cached: Any = classmethod(json_schema)
    cached._cryptopulse_cached = True
    dbtClassMixin.json_schema = cached  # type: ignore[method-assign]


@contextlib.contextmanager
def cached_schemas(folder: Path) -> Iterator[None]:
    """dbt invoked in the block takes its schemas from ``folder`` (the engine's work dir)
    when they are there, and the ones it had to build are saved there after. A missing,
    damaged or stale file is only a slower start; one that cannot be written is skipped."""
    _install()
    path = folder / CACHE_FILE
    key = versions_key()
    if not _schemas:
        with contextlib.suppress(OSError, ValueError):
            saved = json.loads(path.read_text())
            if (
                isinstance(saved, dict)
                and saved.get("versions") == key
                and isinstance(saved.get("schemas"), dict)
            ):
                _schemas.update(saved["schemas"])
    try:
        yield
    finally:
        save(folder)


def save(folder: Path) -> None:
    """Write the schemas to ``folder`` if this process built any not there yet (called
    after dbt's parse too, so a build stopped half-way leaves them for the next run)."""
    global _added
    if not _added:
        return
    path = folder / CACHE_FILE
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        # One fixed name: a process killed before the rename leaves one small file, which
        # the next write replaces.
        staged = path.with_name(f".{path.name}.tmp")
        staged.write_text(json.dumps({"versions": versions_key(), "schemas": _schemas}))
        staged.replace(path)  # whole or not at all, for a process reading it
        _added = False
