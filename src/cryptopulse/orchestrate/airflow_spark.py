"""The Spark warehouse under Airflow: a ``spark`` connection ``cryptopulse_warehouse`` (the
Apache Spark provider's connection: host ``local[N]`` or ``spark://HOST``, port) is the
warehouse URL, and the dbt tasks' profile (dbt-spark's session method).

Cosmos's own Spark mapping (``SparkThriftProfileMapping``) fixes ``method: thrift`` (a Thrift
server in front of Spark) and refuses another method, so the session method gets a small
mapping of its own here, built on cosmos's ``BaseProfileMapping``. cosmos is imported inside
the functions: it is the ``airflow`` extra.
"""

from __future__ import annotations

from typing import Any

from cryptopulse.core.settings import load_settings

CONN_TYPE = "spark"
STANDALONE_PORT = 7077  # a standalone master's usual port, as Spark's own default
_ACCEPTED = (
    "host local[N] (Spark in the task's process), or a standalone master's host (spark://HOST "
    "or HOST) and port"
)


def warehouse_url(conn: Any) -> str:
    """The spark:// warehouse URL of an Airflow Spark connection; ValueError, one line, for
    what the Spark engine cannot run on (YARN, Kubernetes) or a login it would not use.

    A connection given as a URI (``spark://HOST:7077``) has a bare host, one made in the UI
    or as JSON usually ``spark://HOST``: both are a standalone master.
    """
    name = conn.conn_id
    if conn.login or conn.password:
        # A standalone master takes no login; never echoed (it may be a password).
        raise ValueError(f"the Spark connection {name} takes no login or password: {_ACCEPTED}")
    host = str(conn.host or "").strip().rstrip("/")
    if host == "local" or host.startswith("local["):
        return f"spark://{host}"
    address = host.removeprefix("spark://")
    if not address or address == "yarn" or "://" in address:
        raise ValueError(
            f"the Spark connection {name} has host {host or '(none)'!r}; the Spark warehouse "
            f"runs in local mode or on a standalone master: {_ACCEPTED}"
        )
    if conn.port:
        return f"spark://{address}:{conn.port}"
    return f"spark://{address}" if ":" in address else f"spark://{address}:{STANDALONE_PORT}"


def session_profile_mapping(conn_id: str) -> Any:
    """Cosmos's profile mapping of the Spark connection ``conn_id``: dbt-spark's session
    method, the session configured as the CLI's (``spark_session.session_conf``).

    The profile is worked out when a dbt task runs (in its worker, from its settings), not
    when the DAG file is read; it holds paths and Spark options, no secret.
    """
    from cosmos.profiles.base import BaseProfileMapping

    class SparkSessionProfileMapping(BaseProfileMapping):
        airflow_connection_type: str = CONN_TYPE
        dbt_profile_type: str = "spark"
        dbt_profile_method: str = "session"
        required_fields = ["host", "schema"]  # noqa: RUF012 - cosmos's class attribute

        @property
        def profile(self) -> dict[str, Any]:
            from cryptopulse.warehouse.engines import spark_session
            from cryptopulse.warehouse.engines.spark import SCHEMA

            settings = load_settings(warehouse_url=warehouse_url(self.conn))
            conf = spark_session.session_conf(settings)
            return self.filter_null(
                {
                    "type": self.dbt_profile_type,
                    "method": self.dbt_profile_method,
                    # dbt-spark wants a host; the session method reads the master from
                    # server_side_parameters, so both say the same.
                    "host": conf["spark.master"],
                    "schema": SCHEMA,
                    "threads": settings.dbt_threads,
                    "server_side_parameters": conf,
                    **self.profile_args,
                }
            )

    return SparkSessionProfileMapping(conn_id=conn_id)
