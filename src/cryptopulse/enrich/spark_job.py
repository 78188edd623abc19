"""The enrich step as a Spark application: the entry point to give ``spark-submit`` (a
standalone cluster, EMR on YARN) or EMR Serverless (``entryPoint``), which starts the driver
and its session; this file runs ``enrich_on_spark`` in that session.

    spark-submit [--py-files cryptopulse-<hash>.zip | --archives venv.tar.gz#environment] \\
        .../cryptopulse/enrich/spark_job.py [--start YYYY-MM-DD [--end YYYY-MM-DD]]

Settings come from the environment as everywhere (CRYPTOPULSE_LAKE_URL=s3://…); without
--start every landed post not enriched yet is enriched. It prints one summary line, or one
error line (exit status 2) for a bad setting or date.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from cryptopulse.core.errors import CryptopulseError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import load_settings


def _window(start: str | None, end: str | None) -> Interval | None:
    if start is None:
        if end is not None:
            raise ValueError("--end needs --start")
        return None
    first = _day("--start", start)
    last = _day("--end", end) if end else first + timedelta(days=1)
    if last <= first:
        raise ValueError(f"--end {last} must be after --start {first}")
    return Interval(first, last)


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{option}: {value!r} is not a day (YYYY-MM-DD): {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cryptopulse enrich on the Spark executors")
    parser.add_argument("--start", help="first UTC day of landed posts (default: all)")
    parser.add_argument("--end", help="the day after the last one (default: start + 1 day)")
    args = parser.parse_args(argv)
    try:
        window = _window(args.start, args.end)
        settings = load_settings()
    except (ValueError, CryptopulseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from pyspark.sql import SparkSession

    from cryptopulse.enrich.spark import enrich_on_spark

    # The session spark-submit (or EMR Serverless) configured: its master, its executors.
    spark = SparkSession.builder.appName("cryptopulse-enrich").getOrCreate()
    report = enrich_on_spark(spark, settings, window)
    print(
        f"enriched {report.files} files: {report.posts_seen} posts seen, "
        f"{report.posts_resolved} resolved, {report.posts_scored} scored "
        f"({report.mention_rows} mention rows)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
