"""The enrich step on a Spark cluster: the executors bring the raw posts files' results up to date.

The unit of work is the single-machine step's: one raw posts file, whose mention and sentiment
result files ``FileEnricher`` brings up to date (the posts already enriched for that version
are skipped, the file is rewritten atomically). Here Spark schedules the files over the
executors: a DataFrame of file names, spread one file per task where it can, goes through
``mapInArrow``, whose function runs the very ``FileEnricher`` (resolver, scorer, store) the
process pool runs, and returns each file's counts to the driver. The results are therefore
the same bytes as on one machine, and a retried or speculative task only rewrites a file
with the same content.

Executors read and write the lake themselves (a local folder they share with the driver, or
``s3://`` through s3fs and the instance's credentials), and import cryptopulse from their
Python environment: the same venv on a local or one-machine cluster; on a real cluster a venv
archive, or the zip ``spark_package.ship_package`` adds to the session (docs/spark.md).

The session is the caller's (the warehouse engine makes it from the settings); only this
module and ``spark_package`` import pyspark in the enrich layer (contract ``spark-enrich``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, fields
from typing import TYPE_CHECKING

import pyarrow as pa

from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store
from cryptopulse.enrich.mentions import RESOLVER_VERSION
from cryptopulse.enrich.sentiment import VaderScorer
from cryptopulse.enrich.step import (
    EnrichJob,
    EnrichReport,
    FileEnricher,
    FileResult,
    Progress,
    prepare,
)
from cryptopulse.lake import Lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# What a task returns per file: its name and FileResult's counts.
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64()}  # step's annotations are strings
RESULT_SCHEMA = pa.schema(
    [pa.field("file", pa.string(), nullable=False)]
    + [pa.field(f.name, _ARROW_TYPES[str(f.type)], nullable=False) for f in fields(FileResult)]
)
# More tasks than files would be empty; far more tasks than cores only add scheduling.
MAX_TASKS = 10_000


def _quiet(stage: str, done: int, total: int, detail: str) -> None:
    return None


def _enrich_files(job: EnrichJob) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each task runs over its batches of file names (pickled with ``job``)."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # One enricher per task: the resolver's indexes and the scorer's cache are built once.
        enricher = FileEnricher(job)
        try:
            for batch in batches:
                for rel in batch.column("file").to_pylist():
                    row = {"file": rel, **asdict(enricher(rel))}
                    yield pa.RecordBatch.from_pylist([row], schema=RESULT_SCHEMA)
        finally:
            enricher.close()

    return run


def enrich_on_spark(
    spark: SparkSession,
    settings: Settings,
    window: Interval | None = None,
    progress: Progress = _quiet,
    *,
    scorer: VaderScorer | None = None,
) -> EnrichReport:
    """``step.enrich`` with the files enriched by ``spark``'s executors instead of local
    processes: the same result files, the same report (its seconds summed over the tasks)."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StringType, StructField, StructType

    files, job = prepare(settings, window, scorer)
    report = EnrichReport(files=len(files))
    if job is None:
        return report
    names = spark.createDataFrame(
        [(rel,) for rel in files], StructType([StructField("file", StringType(), False)])
    )
    # Round-robin: about one file per task, so the executors' cores share the days evenly.
    tasks = names.repartition(min(len(files), MAX_TASKS))
    results = tasks.mapInArrow(_enrich_files(job), from_arrow_schema(RESULT_SCHEMA))
    by_file = {row["file"]: row for row in (r.asDict() for r in results.collect())}
    for done, rel in enumerate(files, start=1):
        row = by_file[rel]
        report.add(FileResult(**{f.name: row[f.name] for f in fields(FileResult)}))
        progress("enrich", done, len(files), posixpath.basename(rel))
    check_results_visible(Lake(job.lake_url, job.s3_endpoint_url), files, job.scorer.key)
    return report


def check_results_visible(lake: Lake, files: list[str], scorer_key: str) -> None:
    """Raise if a result file the executors wrote is not in the driver's lake: a local lake
    folder on a cluster whose nodes do not share it (the results would be lost on the
    workers' disks, and the warehouse would find posts without mentions or scores)."""
    for kind, version in ((store.MENTIONS, RESOLVER_VERSION), (store.SENTIMENT, scorer_key)):
        present = set(lake.glob(store.result_glob(kind, version)))
        missing = [
            r for r in (store.result_file(kind, version, f) for f in files) if r not in present
        ]
        if missing:
            raise UserError(
                f"the Spark executors wrote {len(missing)} {kind} result files the driver cannot "
                f"see in the lake {lake.url} (first: {missing[0]}): on a cluster, "
                "CRYPTOPULSE_LAKE_URL must be s3://… or a folder every node shares"
            )
