"""In Airflow, a Redshift warehouse's password can come from the `cryptopulse_warehouse`
connection: the tasks read it when they run and hand it to dbt through the task process's
environment, never through the DAG's stored `env`."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow  # importing Airflow's task SDK takes seconds

PASSWORD = "s3cr@t-From-The-Connection"
URL = "redshift://analyst@cluster.example:5439/crypto"


def test_the_connection_password_reaches_the_settings_and_the_dbt_task_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cryptopulse.orchestrate import airflow_tasks

    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", URL)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CRYPTOPULSE_WAREHOUSE",
        "redshift://analyst:s3cr%40t-From-The-Connection@cluster.example:5439/crypto",
    )
    monkeypatch.delenv("CRYPTOPULSE_REDSHIFT_PASSWORD", raising=False)
    settings = airflow_tasks.task_settings()
    assert settings.redshift_password is not None
    assert settings.redshift_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings)
    # What the DAG stores with its dbt tasks holds no password...
    env = airflow_tasks.dbt_env()
    assert env["CRYPTOPULSE_DBT_TARGET"] == "redshift"
    assert PASSWORD not in " ".join(env.values())
    # ...the dbt task puts it in its own process environment, where the profile reads it.
    try:
        airflow_tasks.prepare_dbt_task({})
        assert os.environ["CRYPTOPULSE_REDSHIFT_PASSWORD"] == PASSWORD
    finally:
        os.environ.pop("CRYPTOPULSE_REDSHIFT_PASSWORD", None)
