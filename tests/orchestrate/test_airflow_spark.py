"""An Airflow Spark connection as the Spark warehouse's URL: local mode and a standalone
master accepted, what the Spark engine cannot run on refused in one line, a password never
echoed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.orchestrate.airflow_spark import warehouse_url


@dataclass
class Conn:  # the fields of an Airflow Connection that the mapping reads
    host: str | None
    port: int | None = None
    login: str | None = None
    password: str | None = None
    conn_id: str = "cryptopulse_warehouse"


@pytest.mark.parametrize(
    ("conn", "url"),
    [
        (Conn("local[2]"), "spark://local[2]"),
        (Conn("local"), "spark://local"),
        (Conn("spark://master.example"), "spark://master.example:7077"),
        (Conn("spark://master.example", port=7177), "spark://master.example:7177"),
        (Conn("spark://master.example:7277/"), "spark://master.example:7277"),
        # what the URI spark://master.example:7077 becomes: the scheme is the type
        (Conn("master.example", port=7077), "spark://master.example:7077"),
    ],
)
def test_local_mode_and_standalone_masters_become_spark_urls(conn: Conn, url: str) -> None:
    assert warehouse_url(conn) == url
    Settings(warehouse_url=url)  # and the settings accept them


@pytest.mark.parametrize("host", ["yarn", "k8s://https://api:6443", "mesos://m:5050", "", None])
def test_masters_the_engine_cannot_run_on_are_refused(host: str | None) -> None:
    with pytest.raises(ValueError, match="local mode or on a standalone master") as error:
        warehouse_url(Conn(host))
    assert "\n" not in str(error.value)


def test_a_login_or_password_is_refused_without_being_echoed() -> None:
    with pytest.raises(ValueError, match="takes no login or password") as error:
        warehouse_url(Conn("local[2]", login="me", password="pw-4f1c9a"))
    assert "pw-4f1c9a" not in str(error.value)
