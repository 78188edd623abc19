"""The enrich step on Spark (local mode): the executors write exactly what one machine writes,
and a second run enriches nothing new."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store
from cryptopulse.enrich.step import versions
from cryptopulse.lake import Lake, layout

pytest.importorskip("pyspark", reason="the spark extra is not installed")

from pyspark.sql import SparkSession

from cryptopulse.enrich import spark_job
from cryptopulse.enrich.spark import check_results_visible, enrich_on_spark
from cryptopulse.enrich.spark_package import ship_package

FILE_SCHEMA = pa.schema([pa.field("file", pa.string())])

pytestmark = pytest.mark.slow


def worker_python_without_cryptopulse(folder: Path) -> Path:
    """A Python for the executors like a cluster node's: cryptopulse's dependencies but not
    cryptopulse (the venv's interpreter without site processing, so the editable install's
    .pth is not read, and site-packages on the path)."""
    purelib = sysconfig.get_paths()["purelib"]
    script = folder / "python-without-cryptopulse"
    script.write_text(
        f'#!/bin/sh\nexport PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{purelib}"\n'
        f'exec {sys.executable} -S "$@"\n'
    )
    script.chmod(0o755)
    return script


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A local[2] session on loopback (UI off, 2 shuffle partitions, files in a temp folder)
    whose executors' Python lacks cryptopulse: they get it from the zip ``ship_package`` adds,
    as on a real cluster."""
    work = tmp_path_factory.mktemp("spark")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The executors' Python is read from PYSPARK_PYTHON when the context starts.
    saved = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = str(worker_python_without_cryptopulse(work))
    session = (
        SparkSession.builder.master("local[2]")
        .appName("cryptopulse-enrich-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(work / "warehouse"))
        .config("spark.local.dir", str(work / "local"))
        .getOrCreate()
    )
    try:
        ship_package(session, work / "package")
        yield session
    finally:
        session.stop()
        if saved is None:
            os.environ.pop("PYSPARK_PYTHON", None)
        else:
            os.environ["PYSPARK_PYTHON"] = saved


def test_the_executors_import_cryptopulse_from_the_shipped_zip(spark: SparkSession) -> None:
    def where(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import cryptopulse

        for batch in batches:
            yield pa.RecordBatch.from_pylist(
                [{"file": cryptopulse.__file__}] * batch.num_rows, schema=FILE_SCHEMA
            )

    found = spark.range(2).mapInArrow(where, "file string").collect()
    assert {Path(row["file"]).parent.parent.suffix for row in found} == {".zip"}


def _results(lake: Lake) -> dict[str, list[str]]:
    v = versions()
    return {kind: lake.glob(store.result_glob(kind, v[kind])) for kind in v}


@pytest.fixture
def raw_copy(small_demo: Settings, tmp_path: Path) -> Settings:
    """A lake holding the small demo's raw zone only: landed, nothing enriched yet."""
    shutil.copytree(Path(small_demo.lake_url) / layout.RAW, tmp_path / "lake" / layout.RAW)
    return Settings(lake_url=str(tmp_path / "lake"), warehouse_url=str(tmp_path / "w.duckdb"))


def test_spark_writes_the_single_machine_results_and_a_rerun_enriches_nothing(
    spark: SparkSession,
    small_demo: Settings,
    raw_copy: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected_lake, lake = Lake(small_demo.lake_url), Lake(raw_copy.lake_url)
    expected = _results(expected_lake)
    posts = lake.count_rows(lake.glob(layout.dataset_glob(layout.RAW, "posts")))

    # Two days first, then everything: the second run skips what the first did.
    days = Interval(date(2024, 12, 20), date(2024, 12, 22))
    first = enrich_on_spark(spark, raw_copy, days)
    assert first.files == 2 and 0 < first.posts_scored == first.posts_resolved < posts
    seen: list[str] = []
    rest = enrich_on_spark(spark, raw_copy, progress=lambda *args: seen.append(args[3]))
    assert rest.files == len(expected[store.SENTIMENT]) == len(seen)
    assert rest.posts_seen == posts
    assert rest.posts_scored == rest.posts_resolved == posts - first.posts_scored

    # The same files, row for row and value for value (scores exactly, not approximately),
    # and the same fingerprint of the coin list in the mentions' metadata.
    got = _results(lake)
    assert got == expected
    for rel in (*expected[store.MENTIONS], *expected[store.SENTIMENT]):
        mine, theirs = lake.read_parquet(rel), expected_lake.read_parquet(rel)
        assert mine.equals(theirs, check_metadata=True), rel

    # A second run enriches nothing and rewrites no file.
    stamps = {rel: os.stat(lake.path(rel)).st_mtime_ns for rels in got.values() for rel in rels}
    again = enrich_on_spark(spark, raw_copy)
    assert again.posts_seen == posts
    assert again.posts_scored == again.posts_resolved == again.texts_scored == 0
    assert {rel: os.stat(lake.path(rel)).st_mtime_ns for rel in stamps} == stamps

    # The same through the spark-submit entry point, settings from the environment.
    monkeypatch.setenv("CRYPTOPULSE_LAKE_URL", raw_copy.lake_url)
    assert spark_job.main([]) == 0
    assert f"{posts} posts seen, 0 resolved, 0 scored" in capsys.readouterr().out

    # A lost result file is rebuilt, and only its posts are enriched again.
    lost = got[store.SENTIMENT][3]
    before = lake.read_parquet(lost)
    lake.delete(lost)
    third = enrich_on_spark(spark, raw_copy)
    assert third.posts_scored == before.num_rows and third.posts_resolved == 0
    assert pq.read_table(lake.path(lost)).equals(before, check_metadata=True)


def test_results_the_driver_cannot_see_are_an_error_not_a_silent_loss(
    small_demo: Settings, tmp_path: Path
) -> None:
    """A local lake folder on a cluster whose workers do not share it: the executors' result
    files land on their own disks. The driver notices and says what to set."""
    lake = Lake(small_demo.lake_url)
    posts = lake.glob(layout.dataset_glob(layout.RAW, "posts"))
    key = versions()[store.SENTIMENT]
    check_results_visible(lake, posts, key)  # the small demo's lake is complete

    empty = Lake(str(tmp_path / "driver-view"))
    with pytest.raises(UserError, match=r"CRYPTOPULSE_LAKE_URL must be s3://") as error:
        check_results_visible(empty, posts, key)
    assert f"wrote {len(posts)} mentions result files" in str(error.value)


def test_spark_submit_runs_the_entry_point_from_the_zip_alone(
    small_demo: Settings, raw_copy: Settings, tmp_path: Path
) -> None:
    """As on a cluster: spark-submit with the zip as --py-files, the entry point a copy of
    spark_job.py outside any checkout, driver and executors on a Python without cryptopulse,
    the settings from the environment. Two days are enriched, as on one machine."""
    import pyspark

    from cryptopulse.enrich.spark_package import build_zip

    python = str(worker_python_without_cryptopulse(tmp_path))
    entry = tmp_path / "spark_job.py"
    shutil.copy(spark_job.__file__, entry)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRYPTOPULSE_", "PYSPARK_"))}
    env.update(
        PYSPARK_PYTHON=python,
        PYSPARK_DRIVER_PYTHON=python,
        SPARK_LOCAL_IP="127.0.0.1",
        CRYPTOPULSE_LAKE_URL=raw_copy.lake_url,
    )
    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    args = [str(submit), "--master", "local[1]", "--conf", "spark.ui.enabled=false"]
    args += ["--conf", f"spark.local.dir={tmp_path / 'local'}"]
    args += ["--py-files", str(build_zip(tmp_path / "package")), str(entry)]
    done = subprocess.run(
        [*args, "--start", "2024-12-20", "--end", "2024-12-22"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "enriched 2 files" in done.stdout

    expected, lake = Lake(small_demo.lake_url), Lake(raw_copy.lake_url)
    written = [rel for rels in _results(lake).values() for rel in rels]
    assert len(written) == 4
    for rel in written:
        assert lake.read_parquet(rel).equals(expected.read_parquet(rel), check_metadata=True)
