"""Run the dbt project in-process against the configured lake and warehouse engine.

The runner passes where the lake is and which datasets have data, sets the environment the
engine's profile target reads, reports progress per node and turns failing tests into a
DataQualityError naming table, check and rows. It knows no engine: it asks the engine
(``warehouse.engine``) for the target, its environment and vars.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from cryptopulse.core import faults
from cryptopulse.core.datasets import DATASETS
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, integrity, layout
from cryptopulse.warehouse import dbt_schemas
from cryptopulse.warehouse.dbt_schemas import cached_schemas
from cryptopulse.warehouse.engine import WarehouseEngine, WarehouseUnavailable
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.errors import (
    DataQualityError,
    FailedCheck,
    NothingToBuild,
    TransformError,
)

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

PROJECT_DIR = Path(__file__).parent / "dbt"
# Tables the warehouse builds for users (staging models are internal).
USER_TABLES = (
    "dim_date",
    "dim_coin",
    "fct_coin_stats_hourly",
    "fct_posts",
    "agg_coin_stats_monthly",
    "fct_post_coin",
    "mart_coin_social_hourly",
    "mart_sentiment_price_leadlag",
    "mart_sentiment_granger",  # computed after the dbt build (warehouse/granger.py)
)

ProgressCallback = Callable[[str, int, int], None]  # (node name, done, total)


@dataclass
class BuildReport:
    models: int = 0
    tests: int = 0  # checks run: a row_checks test counts each of its conditions
    tests_passed: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # node name -> seconds


# The line the test materialization (macros/checks.sql) logs when a row_checks test fails:
# this prefix, then JSON {"unique_id": ..., "counts": {condition name: failing rows}}.
NAMED_FAILURES_PREFIX = "cryptopulse.failed_checks "


class NamedFailures:
    """A dbt callback collecting which conditions of the failing row_checks tests failed:
    test unique_id -> {condition name: failing rows}."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    def __call__(self, event: Any) -> None:
        if not event.info.name.startswith("JinjaLog"):
            return
        message = str(event.data.msg)
        if message.startswith(NAMED_FAILURES_PREFIX):
            found = json.loads(message[len(NAMED_FAILURES_PREFIX) :])
            counts = {str(name): int(rows) for name, rows in found["counts"].items()}
            self.counts[str(found["unique_id"])] = counts


def row_check_conditions(node: Any) -> list[dict[str, Any]]:
    """A row_checks test's conditions (name, description, kind); [] for any other test."""
    meta = getattr(node, "test_metadata", None)
    if meta is None or meta.name != "row_checks":
        return []
    return list(meta.kwargs.get("conditions") or [])


def landed_datasets(lake: Lake, enrich_versions: Mapping[str, str]) -> list[str]:
    """Datasets with at least one Parquet file: raw ones from any source, and enrichments
    of the current ``enrich_versions`` (dataset -> version key)."""
    landed = [name for name in DATASETS if lake.glob(layout.dataset_glob(layout.RAW, name))]
    for name, version in enrich_versions.items():
        # The warehouse does not import enrich: orchestrate passes the versions it wrote.
        if lake.glob(layout.enrich_glob(name, version)):
            landed.append(name)
    return landed


def lake_inputs(
    lake: Lake,
    datasets: list[str],
    enrich_versions: Mapping[str, str],
    window: Interval | None,
) -> list[str]:
    """The lake files a build reads: every landed raw and current enrich file, or (with a
    ``window``) those of the window's days and the files not partitioned by day."""
    files = [
        rel
        for name in datasets
        for rel in lake.glob(
            layout.enrich_glob(name, enrich_versions[name])
            if name in enrich_versions
            else layout.dataset_glob(layout.RAW, name)
        )
    ]
    if window is None:
        return files
    days = [integrity.partition_day(rel) for rel in files]
    return [
        rel
        for rel, day in zip(files, days, strict=True)
        if day is None or window.start <= day < window.end
    ]


def require_landed(lake: Lake, datasets: list[str] | None = None) -> None:
    """NothingToBuild, saying where it looked, unless the lake has landed raw data
    (``datasets``: landed_datasets' answer, if already listed)."""
    found = landed_datasets(lake, {}) if datasets is None else datasets
    if set(found) & set(DATASETS):
        return
    missing = "" if lake.exists("") else ", and no such folder"
    raise NothingToBuild(
        f"nothing to build: no landed data in the lake {lake.uri()} (looked for "
        f"{layout.dataset_glob(layout.RAW, '<dataset>', '<source>')}{missing}); land some "
        "first (`cryptopulse extract`, `import-posts` or `demo`) or check CRYPTOPULSE_LAKE_URL"
    )


def dbt_vars(
    lake: Lake, enrich_versions: Mapping[str, str], datasets: list[str] | None = None
) -> dict[str, Any]:
    """The project's vars: where the lake is and what has landed (stable from run to run,
    so dbt's partial parsing holds)."""
    return {
        "lake_url": lake.uri(),
        "lake_datasets": landed_datasets(lake, enrich_versions) if datasets is None else datasets,
        "enrich_versions": dict(enrich_versions),
    }


def window_environment(window: Interval | None) -> dict[str, str]:
    """The window to merge, as the models read it (macros/incremental.sql); empty = none."""
    return {
        "CRYPTOPULSE_WINDOW_START": window.start.isoformat() if window else "",
        "CRYPTOPULSE_WINDOW_END": window.end.isoformat() if window else "",
    }


def dbt_environment_values(settings: Settings, window: Interval | None = None) -> dict[str, str]:
    """The environment the committed profiles.yml and the models read: the engine's target
    and its values, the window, threads. No secrets."""
    return {
        **window_environment(window),
        "CRYPTOPULSE_DBT_THREADS": str(settings.dbt_threads),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
        **open_engine(settings).dbt_environment(),
    }


@contextlib.contextmanager
def dbt_environment(settings: Settings, window: Interval | None = None) -> Iterator[None]:
    """``dbt_environment_values`` set in this process's environment; restored afterwards."""
    values = dbt_environment_values(settings, window)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_args(
    command: str,
    settings: Settings,
    variables: dict[str, Any],
    extra: list[str],
    target: str = "target",
) -> list[str]:
    """The arguments of one dbt command; ``variables`` are the project's vars (dbt_vars).
    ``target`` is the folder under the engine's work dir dbt writes to."""
    work = open_engine(settings).work_dir()
    # Results are read in-process; writing manifest.json and run_results.json costs ~1 s
    # a run (partial parsing's own state is still saved). The docs site is those files.
    write_json = [] if command.startswith("docs") else ["--no-write-json"]
    return [
        *command.split(),
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work / target),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps(variables),
        "--quiet",
        # Nothing from dbt on the console: its errors come back in the result and are told
        # in one line (a refused lock printed three tracebacks); its log file keeps them all.
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
        "--no-use-colors",
        "--no-version-check",
        *write_json,
        *extra,
    ]


def build(
    settings: Settings,
    lake: Lake,
    enrich_versions: Mapping[str, str],
    select: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    window: Interval | None = None,
    full_refresh: bool = False,
    command: str = "build",
) -> BuildReport:
    """``dbt build`` (models, then their checks); raises on any error or failing check.

    ``enrich_versions`` name the enrich results the models read (dataset -> version key).
    With a ``window``, incremental models merge only the lake partitions of those days.
    ``command="run"`` builds models without checks, ``"test"`` runs only the checks.
    """
    engine = open_engine(settings)
    engine.work_dir().mkdir(parents=True, exist_ok=True)
    extra = ["--select", *select] if select else []
    if full_refresh:
        extra.append("--full-refresh")
    datasets = landed_datasets(lake, enrich_versions)  # listing the lake once serves all
    if command != "test":
        require_landed(lake, datasets)
    inputs = lake_inputs(lake, datasets, enrich_versions, None if full_refresh else window)
    if command != "test" and (window is not None or not lake.is_s3):
        # A damaged file is named now, not as DuckDB's "magic bytes not found" mid-build, or
        # read as garbage (DuckDB does not verify page checksums): a window's few files are
        # read whole, checksums verified; without one, each file's footer (one small read).
        integrity.require_readable(lake, inputs, deep=window is not None)
    variables = dbt_vars(lake, enrich_versions, datasets) | engine.dbt_vars(
        lake, datasets, enrich_versions
    )
    # Checks alone only read; a build holds the warehouse from the load to its last check.
    holding = engine.writing() if command != "test" else contextlib.nullcontext()
    with holding:
        if command != "test":
            # A full refresh reads every lake partition, so a server engine loads them all.
            engine.load(lake, datasets, enrich_versions, None if full_refresh else window)
        named = NamedFailures()
        result = _invoke(engine, settings, variables, extra, window, command, on_progress, named)
    if isinstance(result.exception, KeyboardInterrupt):  # SIGTERM, Ctrl-C: the run stops
        raise result.exception
    try:
        if result.exception is not None:
            raise TransformError(f"dbt {command} failed: {result.exception}")
        return _report(result.result, named.counts)
    except TransformError as exc:
        _explained(engine, exc)
        damaged = integrity.explain_read_error(lake, exc, inputs)
        if damaged is not None:
            raise damaged from exc
        raise


def _invoke(
    engine: WarehouseEngine,
    settings: Settings,
    variables: dict[str, Any],
    extra: list[str],
    window: Interval | None,
    command: str,
    on_progress: ProgressCallback | None,
    named: NamedFailures,
) -> Any:
    """Parse the project, then run ``command`` on it, reporting each finished node."""
    from dbt.cli.main import dbtRunner  # heavy import, only when transforming

    with (
        dbt_environment(settings, window),
        quiet_logging_errors(),
        cached_schemas(engine.work_dir()),
    ):
        parsed = dbtRunner().invoke(dbt_args("parse", settings, variables, []))
        if not parsed.success or parsed.result is None:
            raise TransformError(f"dbt could not parse the project: {parsed.exception}")
        dbt_schemas.save(engine.work_dir())
        manifest = cast("Manifest", parsed.result)
        total = _count_nodes(manifest, command)
        done = 0

        def on_event(event: Any) -> None:
            nonlocal done
            if event.info.name == "NodeFinished" and on_progress is not None:
                done += 1
                on_progress(event.data.node_info.node_name, min(done, total), total)
                if done == total // 2:
                    faults.hold("transform.mid-model")  # the fault suite's seam (test-only)

        runner = dbtRunner(manifest=manifest, callbacks=[on_event, named])
        try:
            return runner.invoke(dbt_args(command, settings, variables, extra))
        finally:
            engine.release()


@contextlib.contextmanager
def quiet_logging_errors() -> Iterator[None]:
    """dbt logs every event to a file in its work dir; when that write fails (a full disk),
    Python's logging prints a traceback to stderr per event — thousands of lines. Within
    the block a failed log write is dropped instead: the failure itself still reaches the
    user once, as the error of the step that hit it."""
    previous = logging.raiseExceptions
    logging.raiseExceptions = False
    try:
        yield
    finally:
        logging.raiseExceptions = previous


DOCS_TARGET = "docs"


def generate_docs(settings: Settings, lake: Lake, enrich_versions: Mapping[str, str]) -> Path:
    """``dbt docs generate`` for the configured warehouse: the docs site (every model, its
    columns and checks, and the lineage from the lake's sources to the marts) with the
    warehouse's catalog, in the engine's work dir; returns that folder."""
    from dbt.cli.main import dbtRunner

    engine = open_engine(settings)
    if not engine.exists():
        raise WarehouseUnavailable(
            f"no warehouse at {engine.location()}: run `cryptopulse transform` (or `make "
            "demo`) first; the docs list its tables' columns"
        )
    engine.check_writable()  # dbt opens it as for a build: say now if another process holds it
    engine.work_dir().mkdir(parents=True, exist_ok=True)
    variables = dbt_vars(lake, enrich_versions)
    variables |= engine.dbt_vars(lake, variables["lake_datasets"], enrich_versions)
    with dbt_environment(settings), quiet_logging_errors(), cached_schemas(engine.work_dir()):
        try:
            args = dbt_args("docs generate", settings, variables, [], target=DOCS_TARGET)
            result = dbtRunner().invoke(args)
        finally:
            engine.release()
    if not result.success:
        why = result.exception or f"see the dbt log in {engine.work_dir() / 'logs'}"
        error = TransformError(f"dbt docs generate failed: {why}")
        _explained(engine, error)
        raise error
    return engine.work_dir() / DOCS_TARGET


def _explained(engine: WarehouseEngine, exc: TransformError) -> None:
    """Raise the engine's one-line explanation of ``exc`` if it has one (say, the warehouse
    was locked by another process since the check before the build)."""
    explained = engine.explain(str(exc))
    if explained is not None:
        raise WarehouseUnavailable(explained) from exc


def release(settings: Settings) -> None:
    """Let go of the connections dbt left open in this process (see WarehouseEngine)."""
    open_engine(settings).release()


def _count_nodes(manifest: Any, command: str) -> int:
    """How many nodes a full run of ``command`` executes (for the progress bar)."""
    kinds = {"build": ("model", "test"), "run": ("model",), "test": ("test",)}[command]
    return sum(1 for n in manifest.nodes.values() if n.resource_type in kinds)


def _report(execution: Any, named: Mapping[str, Mapping[str, int]]) -> BuildReport:
    """The build's counts; raises on errors, then on failed checks. ``named`` holds the
    failed conditions of the failing row_checks tests (NamedFailures.counts)."""
    report = BuildReport()
    failed: list[FailedCheck] = []
    errors: list[str] = []
    for res in execution.results:
        node = res.node
        status = str(res.status)
        report.timings[node.name] = float(res.execution_time or 0.0)
        if node.resource_type == "test":
            checks = max(len(row_check_conditions(node)), 1)
            report.tests += checks
            if status == "pass":
                report.tests_passed += checks
            elif status in ("fail", "warn") or (status == "error" and res.failures):
                found = _failed_checks(node, int(res.failures or 0), named.get(node.unique_id))
                failed.extend(found)
                report.tests_passed += checks - len(found)
            elif status == "error":
                errors.append(f"check {node.name}: {res.message}")
        elif node.resource_type == "model":
            report.models += 1
            if status == "error":
                errors.append(f"model {node.name}: {res.message}")
    if errors:
        raise TransformError("dbt build failed:\n" + "\n".join(f"  - {e}" for e in errors))
    if failed:
        raise DataQualityError(failed)
    return report


def _failed_checks(node: Any, failures: int, counts: Mapping[str, int] | None) -> list[FailedCheck]:
    """The failed checks of one failing test: each failed condition of a row_checks test
    (with its description), else the test itself."""
    conditions = row_check_conditions(node)
    if not conditions or not counts:
        return [_failed_check(node, failures)]
    table = _tested_table(node)
    described = {str(c.get("name")): str(c.get("description") or "").strip() for c in conditions}
    return [
        FailedCheck(
            table=table,
            check=f"{name}: {described[name]}" if described.get(name) else name,
            failing_rows=rows,
        )
        # in the yml's order (a name the yml does not hold, last: it is printed all the same)
        for name, rows in sorted(counts.items(), key=lambda item: _position(described, item[0]))
    ]


def _position(names: Mapping[str, str], name: str) -> int:
    return list(names).index(name) if name in names else len(names)


def _failed_check(node: Any, failures: int) -> FailedCheck:
    table = _tested_table(node)
    meta = getattr(node, "test_metadata", None)
    if meta is not None:
        column = meta.kwargs.get("column_name")
        check = f"{meta.name}({column})" if column else meta.name
    else:
        check = node.name
    description = (getattr(node, "description", "") or "").strip()
    if description:
        check = f"{check}: {description}"
    return FailedCheck(table=table, check=check, failing_rows=failures)


def _tested_table(node: Any) -> str:
    attached = getattr(node, "attached_node", None)
    if attached:
        return str(attached).split(".")[-1]
    refs = [n.split(".")[-1] for n in node.depends_on.nodes if n.startswith("model.")]
    return refs[-1] if refs else node.name
