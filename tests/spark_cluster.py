"""A real standalone Spark cluster on loopback for tests: one master and one worker, started
with the ``spark-class`` launcher the pyspark package ships (Java from the machine), stopped
(and waited for) at the end, so no JVM outlives the tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class SparkCluster:
    port: int
    ui_port: int
    folder: Path

    @property
    def url(self) -> str:
        """The warehouse URL of its master."""
        return f"spark://{HOST}:{self.port}"

    def status(self) -> dict[str, object]:
        """The master's own account of the cluster (its web UI's JSON)."""
        with urllib.request.urlopen(f"http://{HOST}:{self.ui_port}/json/", timeout=5) as reply:
            found: dict[str, object] = json.load(reply)
            return found


def _launch(folder: Path, name: str, args: list[str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_WORKER_DIR": str(folder / "worker"),
        "SPARK_LOCAL_DIRS": str(folder / "scratch"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - the process writes it until stopped
    # spark-class execs java: the process is the JVM, stopped by its own pid below.
    return subprocess.Popen(
        [str(SPARK_HOME / "bin" / "spark-class"), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def running_cluster(
    folder: Path, worker_cores: int = 2, timeout: float = 120.0
) -> Iterator[SparkCluster]:
    """A master and one worker on free loopback ports, up once the worker is registered."""
    folder.mkdir(parents=True, exist_ok=True)
    cluster = SparkCluster(port=free_port(), ui_port=free_port(), folder=folder)
    processes = [
        _launch(
            folder,
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                HOST,
                "--port",
                str(cluster.port),
                "--webui-port",
                str(cluster.ui_port),
            ],
        )
    ]
    try:
        processes.append(
            _launch(
                folder,
                "worker",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    cluster.url,
                    "--host",
                    HOST,
                    "--port",
                    str(free_port()),
                    "--webui-port",
                    str(free_port()),
                    "--cores",
                    str(worker_cores),
                    "--memory",
                    "2g",
                    "--work-dir",
                    str(folder / "worker"),
                ],
            )
        )
        _wait_for_worker(cluster, processes, timeout)
        yield cluster
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for_worker(
    cluster: SparkCluster, processes: list[subprocess.Popen[bytes]], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"a Spark process exited ({process.returncode}): see {cluster.folder}"
                )
        with suppress(OSError, ValueError):
            if int(str(cluster.status().get("aliveworkers", 0))) >= 1:
                return
        time.sleep(1)
    raise RuntimeError(f"no Spark worker registered within {timeout:.0f} s: see {cluster.folder}")
