"""The pipeline's steps — extract, transform, export — and a run that chains them.

Each step is a plain function of the settings, so the CLI and Airflow call the same code.
A run records what it did in the lake (``state/runs/<id>.json`` and ``state/last_run.json``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from cryptopulse.core import faults
from cryptopulse.core.batch import Batch
from cryptopulse.core.errors import DiskFullError, RunNotRecorded, Stopped
from cryptopulse.core.interval import Interval
from cryptopulse.core.run_record import RunReport
from cryptopulse.core.server_url import mask_password
from cryptopulse.core.settings import Settings, warehouse_engine_name
from cryptopulse.enrich.step import EnrichReport
from cryptopulse.enrich.step import enrich as enrich_posts
from cryptopulse.enrich.step import versions as enrich_versions
from cryptopulse.lake import layout, open_lake
from cryptopulse.lake.land import Landing
from cryptopulse.orchestrate import run_state
from cryptopulse.serve.export import ExportedTable, export_marts
from cryptopulse.sources import build_source
from cryptopulse.warehouse import dbt_runner, granger
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.read import table_rows
from cryptopulse.warehouse.writer_lock import one_writer

# (stage, done, total, what was just done) — the CLI draws progress bars from this.
Progress = Callable[[str, int, int, str], None]


def _quiet(stage: str, done: int, total: int, detail: str) -> None:
    return None


def new_report(settings: Settings, command: str, interval: Interval | None) -> RunReport:
    lake = open_lake(settings)
    engine = open_engine(settings)
    return RunReport(
        run_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6],
        command=command,
        interval=str(interval) if interval else None,
        lake=mask_password(lake.uri()),  # the record is printed and kept: never a secret
        warehouse=mask_password(engine.location()),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        extra={"warehouse_engine": engine.label},
    )


@contextmanager
def stage(report: RunReport, name: str, settings: Settings | None = None) -> Iterator[None]:
    """Time stage ``name`` of the run; with ``settings``, the run's record is saved as the
    stage begins, so a run killed in it is known to have died there. A full disk is named
    with the stage it stopped."""
    start = time.perf_counter()
    report.extra["stage"] = name
    if settings is not None:
        with contextlib.suppress(OSError):  # a full lake: the end says what could not be saved
            save_report(settings, report)
    try:
        yield
    except Exception as exc:
        full = disk_full(exc)
        if full is None:
            raise
        if full.filename is None and settings is not None:  # dbt and DuckDB may not say
            full = OSError(full.errno, full.strerror, _fullest_folder(settings))
        raise DiskFullError(name, full) from exc
    finally:
        report.stage_seconds[name] = round(time.perf_counter() - start, 2)


_NO_SPACE = "No space left on device"
# Where engines (DuckDB, pyarrow) put the file in their message: in quotes after "file".
_QUOTED_FILE = re.compile(r"""file ["'](?P<path>[^"']+)["']""")


def disk_full(exc: BaseException) -> OSError | None:
    """``exc`` as an OSError naming its path if it says a disk is full, else None (DuckDB
    and dbt report it in their own exceptions' text)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return exc
    message = str(exc)
    if _NO_SPACE not in message:
        return None
    found = _QUOTED_FILE.search(message)
    return OSError(errno.ENOSPC, _NO_SPACE, found["path"] if found else None)


def _fullest_folder(settings: Settings) -> str | None:
    """Of the local folders a run writes (the lake, the warehouse's folder), the one whose
    file system has the least room left: where a disk-full error that named no file was."""
    lake = open_lake(settings)
    engine = open_engine(settings)
    folders = [] if lake.is_s3 else [lake.root]
    folders.append(str(engine.work_dir().parent))
    room = {}
    for folder in folders:
        with contextlib.suppress(OSError):
            stats = os.statvfs(folder)
            room[folder] = stats.f_bavail * stats.f_frsize
    return min(room, key=room.__getitem__) if room else None


@contextmanager
def recorded_run(
    settings: Settings, command: str, interval: Interval | None
) -> Iterator[RunReport]:
    """A run whose record is saved in the lake as it starts ("running") and however it
    ends: ok unless the block set another status, failed (with the error) when it raises,
    interrupted when stopped (SIGTERM, Ctrl-C). A run killed outright keeps "running", and
    its marker (run_state) tells ``status`` that its process is gone.

    Starting, it removes what interrupted runs left in the lake (temporary files)."""
    report = new_report(settings, command, interval)
    lake = open_lake(settings)
    report.extra.update(run_state.this_process())
    removed = run_state.start(lake, report.run_id)
    if removed:
        report.extra["leftovers_removed"] = {
            "files": len(removed),
            "bytes": sum(item.bytes for item in removed),
        }
    save_report(settings, report)
    try:
        yield report
        if report.status == "running":
            report.status = "ok"
            report.extra.pop("stage", None)
    except KeyboardInterrupt as exc:
        report.status = "interrupted"
        how = exc.signal_name if isinstance(exc, Stopped) else "Ctrl-C"
        report.error = f"stopped by {how} during {report.extra.get('stage', 'the start')}"
        raise
    except BaseException as exc:
        report.status = "failed"
        report.error = mask_password(str(exc)) or type(exc).__name__
        raise
    finally:
        report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        run_state.finish(lake, report.run_id)
        _save_last(settings, report, sys.exc_info()[1])


def _save_last(settings: Settings, report: RunReport, failure: BaseException | None) -> None:
    """Save the run's final record; if the lake cannot take it (a full disk), say where it
    could not be written, after the run's own ``failure`` if it failed."""
    try:
        save_report(settings, report)
    except OSError as exc:
        where = open_lake(settings).uri(layout.run_record(report.run_id))
        why = exc.strerror or str(exc)
        raise RunNotRecorded(
            f"the run's record could not be written to {where} ({why})", failure
        ) from exc


# ---- steps -------------------------------------------------------------------------------
def extract(
    settings: Settings,
    interval: Interval,
    sources: list[str] | None = None,
    progress: Progress = _quiet,
    datasets: tuple[str, ...] | None = None,
    summaries: dict[str, Any] | None = None,
    landings: list[Landing] | None = None,
) -> list[Landing]:
    """Fetch ``interval`` from each source and land it in the lake's raw layer.

    ``datasets`` restricts the landing to those datasets (Airflow lands market data and
    posts in separate tasks, so one failing does not hold the other back). A source that
    reports what it did (``summary()``: API calls, retries, days skipped) has it put in
    ``summaries`` under its name. What lands is appended to ``landings`` (returned), so a
    caller's list keeps it even when a later source fails.
    """
    lake = open_lake(settings)
    landings = [] if landings is None else landings
    for name in sources or settings.sources:
        source = build_source(name, settings)
        wanted = tuple(d for d in source.datasets() if datasets is None or d in datasets)
        if not wanted:
            continue
        planted = source.ground_truth()
        if planted is not None:  # a synthetic source writes down what it planted
            lake.write_json(f"{layout.RAW}/{name}/ground_truth.json", planted)
        total = len(interval.days()) * len(wanted)
        done = 0

        def on_batch(batch: Batch, name: str = name, total: int = total) -> None:
            nonlocal done
            done += 1
            progress(f"extract {name}", min(done, total), total, f"{batch.dataset} {batch.day}")
            if done == 2:
                faults.hold("extract.mid-stage")  # the fault suite's seam (test-only)

        try:
            landings.extend(source.land(lake, interval, wanted, on_batch=on_batch))
        except Exception as exc:  # PartlyLandedError, or a landing stopped by a full disk
            landings.extend(getattr(exc, "landed", []))
            raise
        finally:
            summary = source.summary()
            if summary is not None and summaries is not None:
                summaries[name] = summary
            source.close()
        progress(f"extract {name}", total, total, "landed")  # snapshots are one batch, not per day
    return landings


def enrich(
    settings: Settings, window: Interval | None = None, progress: Progress = _quiet
) -> EnrichReport:
    """Resolve coin mentions and score sentiment for the posts landed in ``window`` (all
    landed posts without one); posts already done for the current versions are skipped.
    On a Spark warehouse the cluster's executors do it (the same code, shipped with the job)."""

    def on_file(stage: str, done: int, total: int, detail: str) -> None:
        progress(stage, done, total, detail)
        if done == 1 < total:
            faults.hold("enrich.mid-stage")  # the fault suite's seam (test-only)

    if warehouse_engine_name(settings.warehouse_url) == "spark":
        from cryptopulse.enrich.spark import enrich_on_spark
        from cryptopulse.warehouse.engines.spark import SparkEngine

        session = SparkEngine(settings).session()
        return enrich_on_spark(session, settings, window, on_file)
    return enrich_posts(settings, window, progress=on_file)


def transform(
    settings: Settings,
    window: Interval | None = None,
    full_refresh: bool = False,
    progress: Progress = _quiet,
    command: str = "build",
) -> dbt_runner.BuildReport:
    """Build the warehouse from the lake with dbt, running every data quality check.

    With a ``window``, the warehouse merges only the days just landed (incremental models);
    without one, every lake partition is merged; ``full_refresh`` rebuilds from scratch.
    ``command="run"`` builds the models without their checks, ``"test"`` only checks.
    """
    lake = open_lake(settings)
    progress("transform", 0, 0, "dbt parses the project")  # a while before the first node

    def on_node(node: str, done: int, total: int) -> None:
        progress("transform", done, total, node)

    report = dbt_runner.build(
        settings,
        lake,
        enrich_versions(),
        on_progress=on_node,
        window=window,
        full_refresh=full_refresh,
        command=command,
    )
    if command != "test":
        # The Granger tests need regressions dbt cannot run: computed from the fresh hourly
        # mart and stored beside the dbt marts.
        granger.build_granger_mart(settings)
    return report


def export(
    settings: Settings, progress: Progress = _quiet, window: Interval | None = None
) -> list[ExportedTable]:
    """Write the warehouse's user tables to the lake's ``marts/`` (with a ``window``, the
    months of the large tables it changed)."""
    lake = open_lake(settings)
    total = len(dbt_runner.USER_TABLES)
    done = 0

    def on_table(table: str) -> None:
        nonlocal done
        done += 1
        progress("export", done, total, table)

    return export_marts(settings, lake, on_table=on_table, window=window)


# ---- a whole run -------------------------------------------------------------------------
def run(
    settings: Settings,
    interval: Interval | None,
    command: str = "run",
    progress: Progress = _quiet,
    steps: tuple[str, ...] = ("extract", "enrich", "transform", "export"),
    full_refresh: bool = False,
) -> RunReport:
    """Run ``steps`` in order for ``interval``; the report is saved even when a step fails.

    A run that builds the warehouse holds its writer lock from start to end: a second one
    is refused at once (before it records anything), not deep inside dbt."""
    holding = one_writer(open_engine(settings)) if "transform" in steps else nullcontext()
    with holding, recorded_run(settings, command, interval) as report:
        if "extract" in steps:
            if interval is None:
                raise ValueError("extracting needs an interval (--start/--end)")
            summaries: dict[str, Any] = {}
            landed: list[Landing] = []  # kept in the record when a source fails part-way
            try:
                with stage(report, "extract", settings):
                    extract(
                        settings, interval, progress=progress, summaries=summaries, landings=landed
                    )
            finally:
                if summaries:
                    report.extra["sources"] = summaries
                report.landings = [landing_dict(item) for item in landed]
        if "enrich" in steps:
            with stage(report, "enrich", settings):
                enriched = enrich(settings, interval, progress=progress)
            report.enrich = {k: v for k, v in asdict(enriched).items() if k != "seconds"}
        if "transform" in steps:
            with stage(report, "transform", settings):
                build = transform(
                    settings, window=interval, full_refresh=full_refresh, progress=progress
                )
            report.tests = {"run": build.tests, "passed": build.tests_passed}
            report.table_rows = table_rows(settings)
        if "export" in steps:
            with stage(report, "export", settings):
                # After a windowed merge only its months changed; a full refresh rewrites all.
                merged = None if full_refresh or "transform" not in steps else interval
                exported = export(settings, progress=progress, window=merged)
            report.exports = [asdict(item) for item in exported]
    return report


def landing_dict(item: Landing) -> dict[str, Any]:
    """A landing as the run record keeps it (reasons commonest first)."""
    data = asdict(item)
    data["reasons"] = dict(item.reasons.most_common())
    return data


def save_report(settings: Settings, report: RunReport) -> None:
    lake = open_lake(settings)
    data = report.to_record()
    lake.write_json(layout.run_record(report.run_id), data)
    lake.write_json(layout.LAST_RUN, data)


def last_run(settings: Settings) -> dict[str, Any] | None:
    lake = open_lake(settings)
    return lake.read_json(layout.LAST_RUN) if lake.exists(layout.LAST_RUN) else None
