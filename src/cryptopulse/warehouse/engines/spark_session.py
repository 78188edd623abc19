"""The Spark session the Spark warehouse runs in: its configuration, and starting it.

One configuration serves the engine (which starts the session before dbt runs, so every
setting below takes effect) and the dbt profile's ``server_side_parameters`` (which a dbt run
in another process, such as an Airflow task, starts it from): ``session_conf`` is the one
place that says what the session is.

What it keeps where: tables as Parquet in the warehouse dir; the catalogue (an embedded Derby
metastore, with derby.log) and Spark's scratch space in the work dir, never in the current
folder. The console gets errors only (a log4j2 file of our own, no progress bars, no UI).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from cryptopulse.core.settings import Settings, spark_master

_LOG4J2 = Path(__file__).with_name("spark_log4j2.properties")
_LOCK = threading.Lock()


def session_conf(settings: Settings) -> dict[str, str]:
    """The session's configuration from the settings (paths absolute)."""
    work = Path(settings.spark_work_dir).expanduser().resolve()
    warehouse = Path(settings.spark_warehouse_dir).expanduser().resolve()
    java_options = (
        f"-Dderby.system.home={work} -Dlog4j2.configurationFile=file:{_LOG4J2} "
        "-Dderby.stream.error.file=" + str(work / "derby.log")
    )
    return {
        "spark.master": spark_master(settings.warehouse_url),
        "spark.app.name": "cryptopulse",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true"
        ),
        "spark.local.dir": str(work / "scratch"),
        "spark.driver.extraJavaOptions": java_options,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.driver.bindAddress": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "spark.driver.host": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        # Every warehouse timestamp is a UTC wall clock without time zone, as on DuckDB:
        # `timestamp` means TIMESTAMP_NTZ, and the lake's UTC instants convert in UTC.
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        # The lake's files of one dataset may differ in columns (a column added later).
        "spark.sql.parquet.mergeSchema": "true",
        # dbt-spark's own choice; ANSI mode would raise where the models expect SQL's nulls.
        "spark.sql.ansi.enabled": "false",
        # An incremental run replaces only the partitions (days) it writes.
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
    }


def environment_conf(settings: Settings) -> dict[str, str]:
    """The configuration as the environment variables profiles.yml reads (target spark)."""
    return {
        "CRYPTOPULSE_SPARKCONF_" + key.removeprefix("spark.").upper().replace(".", "_"): value
        for key, value in session_conf(settings).items()
    }


def start(settings: Settings) -> SparkSession:
    """This process's session with ``settings``' configuration: the running one when it has
    that configuration, else a new one (a session of another warehouse is stopped first)."""
    conf = session_conf(settings)
    with _LOCK:
        active = _running()
        if active is not None and not _same_session(active, conf):
            active.stop()
            active = None
        if active is not None:
            return active
        Path(conf["spark.local.dir"]).mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SPARK_LOCAL_IP", conf["spark.driver.host"])
        # The executors' Python (read when the context starts): this one, which has
        # cryptopulse and its dependencies, unless the user names another.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # py4j's INFO lines (one per closed connection, some at interpreter exit) are noise.
        logging.getLogger("py4j").setLevel(logging.WARNING)
        builder: Any = SparkSession.builder
        for key, value in conf.items():
            builder = builder.config(key, value)
        session: SparkSession = builder.enableHiveSupport().getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        # A JVM started earlier in this process (another session's) lacks our -D options;
        # the metastore's Derby reads these when it boots, lazily, after this.
        system = session.sparkContext._jvm.java.lang.System  # type: ignore[union-attr]
        for option in conf["spark.driver.extraJavaOptions"].split():
            key, _, value = option.removeprefix("-D").partition("=")
            if key.startswith("derby.") and system.getProperty(key) is None:
                system.setProperty(key, value)
        return session


def _same_session(session: SparkSession, conf: dict[str, str]) -> bool:
    running = session.sparkContext.getConf()
    return all(
        running.get(key) == conf[key]
        for key in ("spark.master", "spark.sql.warehouse.dir", "spark.local.dir")
    )


def stop() -> None:
    """Stop this process's session, if any (the metastore is free for other processes)."""
    with _LOCK:
        active = _running()
        if active is not None:
            active.stop()


def _running() -> SparkSession | None:
    # The process-wide session (getActiveSession is per thread, and dbt runs in threads).
    session: SparkSession | None = getattr(SparkSession, "_instantiatedSession", None)
    return session
