"""Drive the cryptopulse_daily DAG with Airflow's own ``dag.test()``, for the tests.

Run in a subprocess so each test session gets its own AIRFLOW_HOME (Airflow reads its
configuration once, at import). Prints one ``RESULT <json>`` line per command outcome.

    python tests/orchestrate/airflow_harness.py import-check      # DagBag errors, network off
    python tests/orchestrate/airflow_harness.py describe          # the DAG's shape
    python tests/orchestrate/airflow_harness.py profile           # the dbt tasks' profile
    python tests/orchestrate/airflow_harness.py run 2024-06-02 .. # one dag.test() a date, 07:00
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

DAGS = Path(__file__).resolve().parents[2] / "dags"


def _forbid_network() -> None:
    """Any connection to a non-loopback address raises: DAG parsing must not phone home."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise ConnectionRefusedError(f"network access during DAG import: {address}")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign, assignment]


def _emit(payload: Any) -> None:
    print("RESULT " + json.dumps(payload, default=str), flush=True)


def _bag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


# Which run wrote a row (a 3-day backfill and one 3-day run differ there by design): lineage,
# not content, so fingerprints leave it out.
LINEAGE_COLUMNS = ("merge_window",)


def table_fingerprints(warehouse: str) -> dict[str, list[Any]]:
    """Row count and an order-independent content hash of every warehouse table."""
    import duckdb

    with duckdb.connect(warehouse, read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        fingerprints = {}
        for name in sorted(names):
            columns = [
                f'"{c}"'
                for c in con.sql(f'select * from "{name}" limit 0').columns
                if c not in LINEAGE_COLUMNS
            ]
            row = f"struct_pack({', '.join(columns)})"
            query = f'select count(*), coalesce(sum(hash({row})), 0)::varchar from "{name}"'
            fingerprints[name] = list(con.execute(query).fetchall()[0])
        return fingerprints


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "import-check":
        _forbid_network()
        bag = _bag()
        _emit(
            {
                "errors": {k: str(v) for k, v in bag.import_errors.items()},
                "dags": sorted(bag.dag_ids),
            }
        )
        return
    bag = _bag()
    dag = bag.get_dag("cryptopulse_daily")
    if command == "describe":
        tasks: dict[str, Any] = {
            t.task_id: {
                "upstream": sorted(t.upstream_task_ids),
                "retries": t.retries,
                "exponential": bool(t.retry_exponential_backoff),
                "pool": t.pool,
                "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
                "operator": type(t).__name__,
            }
            for t in dag.tasks
        }
        timetable = dag.timetable
        _emit(
            {
                "tasks": tasks,
                "cron": getattr(timetable, "_expression", None),
                "timezone": str(getattr(timetable, "_timezone", "")),
                "catchup": dag.catchup,
                "max_active_runs": dag.max_active_runs,
            }
        )
        return
    if command == "profile":
        from cryptopulse.orchestrate import airflow_tasks

        config = airflow_tasks.cosmos_configs()["profile_config"]
        mapping = config.profile_mapping
        _emit(
            {
                "target": config.target_name,
                "mapping": type(mapping).__name__ if mapping else None,
                "conn_id": mapping.conn_id if mapping else None,
                "profile": mapping.profile if mapping else None,
                "env_vars": sorted(mapping.env_vars) if mapping else [],
            }
        )
        return
    if command == "run":
        from airflow.models.pool import Pool

        Pool.create_or_update_pool(
            "cryptopulse_warehouse",
            slots=1,
            description="one writer: a DuckDB file, a Spark catalogue",
            include_deferred=False,
        )
        for day in args:
            when = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
            when = when.replace(hour=7)
            run = dag.test(logical_date=when, run_after=when)
            tasks = {ti.task_id: [str(ti.state), ti.try_number] for ti in run.get_task_instances()}
            warehouse = os.environ["CRYPTOPULSE_WAREHOUSE_URL"]
            tables = table_fingerprints(warehouse) if Path(warehouse).exists() else {}
            _emit({"date": day, "state": str(run.state), "tasks": tasks, "tables": tables})
        return
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
