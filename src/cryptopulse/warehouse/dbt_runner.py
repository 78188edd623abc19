"""Run the dbt project in-process against the configured lake and warehouse.

The project reads the lake's Parquet directly (dbt-duckdb); the runner passes where the
lake is and which datasets have data, sets the profile's environment, reports progress
per node and turns failing tests into a DataQualityError naming table, check and rows.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from cryptopulse.core.datasets import DATASETS
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store as enrich_store
from cryptopulse.enrich.step import versions as enrich_versions
from cryptopulse.lake import Lake, layout
from cryptopulse.warehouse.errors import DataQualityError, FailedCheck, TransformError

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
)

ProgressCallback = Callable[[str, int, int], None]  # (node name, done, total)


@dataclass
class BuildReport:
    models: int = 0
    tests: int = 0
    tests_passed: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # node name -> seconds


def landed_datasets(lake: Lake) -> list[str]:
    """Datasets with at least one Parquet file: raw ones from any source, and enrichments."""
    landed = [name for name in DATASETS if lake.glob(layout.dataset_glob(layout.RAW, name))]
    for name, version in enrich_versions().items():
        if lake.glob(enrich_store.result_glob(name, version)):
            landed.append(name)
    return landed


def dbt_vars(lake: Lake) -> dict[str, Any]:
    """The project's vars: where the lake is and what has landed (stable from run to run,
    so dbt's partial parsing holds)."""
    return {
        "lake_url": lake.uri(),
        "lake_datasets": landed_datasets(lake),
        "enrich_versions": enrich_versions(),
    }


def window_environment(window: Interval | None) -> dict[str, str]:
    """The window to merge, as the models read it (macros/incremental.sql); empty = none."""
    return {
        "CRYPTOPULSE_WINDOW_START": window.start.isoformat() if window else "",
        "CRYPTOPULSE_WINDOW_END": window.end.isoformat() if window else "",
    }


def dbt_environment_values(settings: Settings, window: Interval | None = None) -> dict[str, str]:
    """The environment the committed profiles.yml and the models read. No secrets: S3 keys
    stay in the standard AWS_* variables, which s3fs reads itself."""
    values = {
        **window_environment(window),
        "CRYPTOPULSE_DUCKDB_PATH": str(settings.warehouse_path),
        "CRYPTOPULSE_DBT_TARGET": "duckdb_s3" if settings.lake_is_s3 else "duckdb",
        "CRYPTOPULSE_DBT_THREADS": str(settings.dbt_threads),
        "CRYPTOPULSE_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    if settings.s3_endpoint_url:
        values["AWS_ENDPOINT_URL_S3"] = settings.s3_endpoint_url
    return values


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
    command: str, settings: Settings, variables: dict[str, Any], extra: list[str]
) -> list[str]:
    """The arguments of one dbt command; ``variables`` are the project's vars (dbt_vars)."""
    work = settings.warehouse_path.parent / "dbt"
    return [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps(variables),
        "--quiet",
        "--no-use-colors",
        "--no-version-check",
        # Results are read in-process; writing manifest.json and run_results.json costs ~1 s
        # a run (partial parsing's own state is still saved).
        "--no-write-json",
        *extra,
    ]


def build(
    settings: Settings,
    lake: Lake,
    select: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    window: Interval | None = None,
    full_refresh: bool = False,
    command: str = "build",
) -> BuildReport:
    """``dbt build`` (models, then their checks); raises on any error or failing check.

    With a ``window``, incremental models merge only the lake partitions of those days.
    ``command="run"`` builds models without checks, ``"test"`` runs only the checks.
    """
    from dbt.cli.main import dbtRunner  # heavy import, only when transforming

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    extra = ["--select", *select] if select else []
    if full_refresh:
        extra.append("--full-refresh")
    variables = dbt_vars(lake)  # listing the lake once serves both commands
    with dbt_environment(settings, window):
        parsed = dbtRunner().invoke(dbt_args("parse", settings, variables, []))
        if not parsed.success or parsed.result is None:
            raise TransformError(f"dbt could not parse the project: {parsed.exception}")
        manifest = cast("Manifest", parsed.result)
        total = _count_nodes(manifest, command)
        done = 0

        def on_event(event: Any) -> None:
            nonlocal done
            if event.info.name == "NodeFinished" and on_progress is not None:
                done += 1
                on_progress(event.data.node_info.node_name, min(done, total), total)

        runner = dbtRunner(manifest=manifest, callbacks=[on_event])
        try:
            result = runner.invoke(dbt_args(command, settings, variables, extra))
        finally:
            release_duckdb()
    if result.exception is not None:
        raise TransformError(f"dbt {command} failed: {result.exception}")
    return _report(result.result)


def release_duckdb() -> None:
    """Close the DuckDB file dbt-duckdb keeps open for the process, so others can read it.

    DuckDB refuses a second connection with another configuration (say, read-only) in the
    same process, and it allows one writing process per file.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def _count_nodes(manifest: Any, command: str) -> int:
    """How many nodes a full run of ``command`` executes (for the progress bar)."""
    kinds = {"build": ("model", "test"), "run": ("model",), "test": ("test",)}[command]
    return sum(1 for n in manifest.nodes.values() if n.resource_type in kinds)


def _report(execution: Any) -> BuildReport:
    report = BuildReport()
    failed: list[FailedCheck] = []
    errors: list[str] = []
    for res in execution.results:
        node = res.node
        status = str(res.status)
        report.timings[node.name] = float(res.execution_time or 0.0)
        if node.resource_type == "test":
            report.tests += 1
            if status == "pass":
                report.tests_passed += 1
            elif status in ("fail", "warn") or (status == "error" and res.failures):
                failed.append(_failed_check(node, int(res.failures or 0)))
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
