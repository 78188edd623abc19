"""Compile the dbt project for the redshift target with no Redshift: an offline stub of the
connection, for compilation only.

Why a stub: dbt asks the warehouse while compiling. is_incremental() looks the model's
table up, dim_date reads the hour spine's bounds with run_query, the windowed mart reads the
hours a window touches, and `dbt build` runs each materialization's statements.
`dbt compile --no-introspect --no-populate-cache` opens no connection and so stops at the
first incremental model (is_incremental()'s lookup: "connection never acquired"). So here
dbt-redshift runs unchanged, except that its
connection manager's ``open`` hands it ``OfflineHandle``: a DB-API connection that records
every statement dbt sends and answers as a small, fresh Redshift would:

- metadata queries list the ``relations`` it is given (none: a first build; every model:
  a later, incremental run);
- any other query returns no rows, except a query aggregating without GROUP BY, which, as
  on a database, returns one row: count(...) is 0, a comparison false, and anything else
  one sample hour (dim_date's spine bounds, the window's touched hours).

This is not a Redshift: nothing is executed, no result is checked. It only lets dbt
produce, offline, every statement it would send, so ``redshift_sql.problems`` can check them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

SAMPLE_HOUR = dt.datetime(2024, 1, 1, 0, 0)
OFFLINE_ENV = {
    "CRYPTOPULSE_DBT_TARGET": "redshift",
    "CRYPTOPULSE_REDSHIFT_HOST": "offline.invalid",
    "CRYPTOPULSE_REDSHIFT_PORT": "5439",
    "CRYPTOPULSE_REDSHIFT_USER": "offline",
    "CRYPTOPULSE_REDSHIFT_PASSWORD": "offline-stub-no-password",
    "CRYPTOPULSE_REDSHIFT_DATABASE": "offline",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
}
ALL_DATASETS = ["coins", "coin_hourly", "posts", "mentions", "sentiment"]


@dataclass
class Recorder:
    """Every statement dbt sent, and the relations the stub reports as existing."""

    relations: list[tuple[str, str, str]] = field(default_factory=list)  # schema, name, type
    statements: list[str] = field(default_factory=list)


class OfflineCursor:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.description: list[tuple[str, ...]] | None = None
        self.rowcount = -1
        self._rows: list[tuple[Any, ...]] = []

    def __enter__(self) -> OfflineCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, bindings: Any = None) -> OfflineCursor:
        self.recorder.statements.append(sql)
        names, rows = self._answer(sql)
        self.description = [(name,) for name in names] if names else None
        self._rows = rows
        self.rowcount = len(rows)
        return self

    def _answer(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        lowered = sql.lower()
        if "from information_schema.tables" in lowered and " as type" in lowered:
            names = ["database", "name", "schema", "type"]
            rows = [
                (OFFLINE_ENV["CRYPTOPULSE_REDSHIFT_DATABASE"], name, schema, kind)
                for schema, name, kind in self.recorder.relations
                if f"ilike '{schema}'" in lowered
            ]
            return names, rows
        try:
            tree = sqlglot.parse_one(sql, read="redshift")
        except sqlglot.errors.ParseError:
            return [], []  # redshift_sql.problems reports it
        select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
        if not isinstance(tree, exp.Query) or select is None:
            return [], []
        names = [e.alias_or_name or f"column_{i}" for i, e in enumerate(select.expressions)]
        aggregates = [e for e in select.expressions if e.find(exp.AggFunc)]
        if aggregates and not select.args.get("group"):
            return names, [tuple(_sample(e) for e in select.expressions)]
        return names, []

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def close(self) -> None:
        return None


def _sample(expression: exp.Expression) -> Any:
    """What a database returns for one aggregate column over a table."""
    inner = expression.this if isinstance(expression, exp.Alias) else expression
    if isinstance(inner, exp.Count):
        return 0
    if isinstance(inner, exp.Predicate):
        return False
    return SAMPLE_HOUR


class OfflineHandle:
    """The DB-API connection dbt-redshift gets instead of redshift_connector's."""

    autocommit = True

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def cursor(self) -> OfflineCursor:
        return OfflineCursor(self.recorder)

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None

    def close(self) -> None:
        return None


@contextlib.contextmanager
def offline_redshift(recorder: Recorder) -> Iterator[None]:
    """dbt-redshift connections are OfflineHandles while inside; the environment holds the
    profile's values (no real host, no real password)."""
    from dbt.adapters.redshift.connections import RedshiftConnectionManager

    def open_offline(cls: type, connection: Any) -> Any:
        if connection.state != "open":
            connection.handle = OfflineHandle(recorder)
            connection.state = "open"
        return connection

    original = RedshiftConnectionManager.__dict__["open"]
    saved = {key: os.environ.get(key) for key in OFFLINE_ENV}
    RedshiftConnectionManager.open = classmethod(open_offline)  # type: ignore[method-assign,assignment]
    os.environ.update(OFFLINE_ENV)
    try:
        yield
    finally:
        RedshiftConnectionManager.open = original  # type: ignore[method-assign]
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Compiled:
    """What one offline dbt command produced: every statement sent, and the compiled SQL of
    each model and test (target/compiled), by path."""

    statements: list[str]
    compiled: dict[str, str]
    success: bool
    error: str | None


def run_offline(
    project_dir: Path,
    work: Path,
    command: str,
    relations: list[tuple[str, str, str]] | None = None,
    window: tuple[str, str] | None = None,
) -> Compiled:
    """``dbt <command>`` (build or compile) of the project for the redshift target, offline."""
    from dbt.cli.main import dbtRunner

    recorder = Recorder(relations=list(relations or []))
    target = work / "target"
    shutil.rmtree(target, ignore_errors=True)
    variables = {
        "lake_url": "s3://offline-bucket/lake",
        "lake_datasets": ALL_DATASETS,
    }
    window_env = {
        "CRYPTOPULSE_WINDOW_START": window[0] if window else "",
        "CRYPTOPULSE_WINDOW_END": window[1] if window else "",
    }
    saved = {key: os.environ.get(key) for key in window_env}
    os.environ.update(window_env)
    try:
        with offline_redshift(recorder):
            result = dbtRunner().invoke(
                [
                    command,
                    "--project-dir",
                    str(project_dir),
                    "--profiles-dir",
                    str(project_dir),
                    "--target",
                    "redshift",
                    "--target-path",
                    str(target),
                    "--log-path",
                    str(work / "logs"),
                    "--vars",
                    json.dumps(variables),
                    "--quiet",
                    "--no-use-colors",
                    "--no-version-check",
                    "--no-partial-parse",
                    "--threads",
                    "1",
                ]
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    compiled = {
        str(path.relative_to(target / "compiled")): path.read_text()
        for path in sorted((target / "compiled").rglob("*.sql"))
    }
    error = None if result.success else str(result.exception or _failures(result.result))
    return Compiled(recorder.statements, compiled, bool(result.success), error)


def _failures(results: Any) -> str:
    lines = []
    for res in getattr(results, "results", []) or []:
        if str(res.status) not in ("success", "pass"):
            lines.append(f"{res.node.name}: {res.status} {res.message}")
    return "\n".join(lines)


def model_relations(compiled: Compiled, schema: str = "cryptopulse") -> list[tuple[str, str, str]]:
    """Every model of a build as an existing relation (for a later, incremental run):
    intermediate models are views, the others tables (dbt_project.yml)."""
    relations = []
    for path in compiled.compiled:
        parts = Path(path).parts
        if len(parts) == 4 and parts[1] == "models" and parts[3].endswith(".sql"):
            kind = "view" if parts[2] == "intermediate" else "table"
            relations.append((schema, Path(path).stem, kind))
    return sorted(relations)
