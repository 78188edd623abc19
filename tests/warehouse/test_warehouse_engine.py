"""The warehouse seam: CRYPTOPULSE_WAREHOUSE_URL's scheme picks the engine, DuckDB is the
first one, and no module but the DuckDB engine knows DuckDB or dbt-duckdb."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import cryptopulse
from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings, SettingsError, load_settings
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate.pipeline import new_report
from cryptopulse.serve.export import export_marts
from cryptopulse.warehouse.engine import WarehouseUnavailable
from cryptopulse.warehouse.engines import open_engine

SRC = Path(cryptopulse.__file__).parent
DUCKDB_ENGINE = SRC / "warehouse" / "engines" / "duckdb.py"


# ---- choosing the engine -----------------------------------------------------------------
def test_a_file_path_and_a_duckdb_url_name_the_same_duckdb_warehouse(tmp_path: Path) -> None:
    file = tmp_path / "wh.duckdb"
    plain = open_engine(Settings(lake_url=str(tmp_path / "lake"), warehouse_url=str(file)))
    url = open_engine(Settings(lake_url=str(tmp_path / "lake"), warehouse_url=f"duckdb://{file}"))
    assert plain.name == url.name == "duckdb"
    assert plain.location() == url.location() == str(file)
    assert url.describe() == f"DuckDB {file}"
    assert url.dbt_environment()["CRYPTOPULSE_DUCKDB_PATH"] == str(file)


@pytest.mark.parametrize(
    ("url", "master"),
    [
        ("spark://127.0.0.1:7077", "spark://127.0.0.1:7077"),
        ("spark://local[2]", "local[2]"),
        ("spark://local", "local[*]"),
    ],
)
def test_a_spark_url_names_the_spark_engine_and_its_master(
    tmp_path: Path, url: str, master: str
) -> None:
    settings = Settings(
        lake_url=str(tmp_path / "lake"),
        warehouse_url=url,
        spark_warehouse_dir=str(tmp_path / "tables"),
        spark_work_dir=str(tmp_path / "work"),
    )
    engine = open_engine(settings)
    assert engine.name == "spark" and engine.dbt_target() == "spark"
    assert engine.describe() == f"Spark {master} ({tmp_path / 'tables'})"
    env = engine.dbt_environment()
    assert env["CRYPTOPULSE_SPARKCONF_MASTER"] == master
    assert env["CRYPTOPULSE_SPARKCONF_SQL_WAREHOUSE_DIR"] == str(tmp_path / "tables")
    assert (
        str(tmp_path / "work" / "metastore_db")
        in (env["CRYPTOPULSE_SPARKCONF_HADOOP_JAVAX_JDO_OPTION_CONNECTIONURL"])
    )


@pytest.mark.parametrize("url", ["spark://", "spark://local[0]", "spark://host", "spark://h:x"])
def test_a_bad_spark_url_is_refused_at_settings_load_with_a_clear_line(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", url)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert isinstance(raised.value, UserError)
    assert message.startswith("CRYPTOPULSE_WAREHOUSE_URL: ")
    assert "spark://local[N]" in message and "spark://HOST:PORT" in message


def test_a_postgresql_url_names_the_postgresql_engine_without_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "a-secret-from-the-environment")
    url = "postgresql://analyst@db.example:6432/crypto"
    engine = open_engine(Settings(lake_url=str(tmp_path / "lake"), warehouse_url=url))
    assert engine.name == "postgresql" and engine.dbt_target() == "postgres"
    assert engine.location() == url
    assert engine.describe() == f"PostgreSQL {url} (schema cryptopulse)"
    env = engine.dbt_environment()
    assert env["CRYPTOPULSE_PG_HOST"] == "db.example" and env["CRYPTOPULSE_PG_PORT"] == "6432"
    assert "a-secret-from-the-environment" not in repr(env) + engine.describe()
    default_port = Settings(lake_url=str(tmp_path), warehouse_url="postgresql://a@h/db")
    assert open_engine(default_port).location() == "postgresql://a@h:5432/db"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://analyst:Sup3r-Secret@db:5432/crypto", "a password does not belong"),
        ("postgresql://db:5432/crypto", "needs a user and a host"),
        ("postgresql://analyst@db:5432", "needs one database name"),
        ("postgresql://analyst@db:port/crypto", "not a server URL"),
    ],
)
def test_a_bad_postgresql_url_is_one_line_that_never_shows_a_password(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", url)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("CRYPTOPULSE_WAREHOUSE_URL: ") and expected in message
    assert "postgresql://USER@HOST:5432/DB" in message
    assert "Sup3r-Secret" not in message and len(message.splitlines()) == 1


def test_an_unknown_scheme_and_an_empty_duckdb_url_say_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for url in ("mysql://db", "duckdb://"):
        monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", url)
        with pytest.raises(SettingsError, match="DuckDB file path"):
            load_settings()


def test_the_dbt_target_follows_the_lake(tmp_path: Path) -> None:
    local = Settings(lake_url=str(tmp_path / "lake"), warehouse_url=str(tmp_path / "w.duckdb"))
    s3 = Settings(lake_url="s3://bucket/lake", warehouse_url=str(tmp_path / "w.duckdb"))
    assert open_engine(local).dbt_target() == "duckdb"
    assert open_engine(s3).dbt_target() == "duckdb_s3"


# ---- reading and the lock ----------------------------------------------------------------
def test_the_reader_counts_rows_streams_arrow_and_cannot_write(settings: Settings) -> None:
    engine = open_engine(settings)
    assert not engine.exists()
    assert engine.table_rows() == {}  # no warehouse yet: nothing, and no file created
    assert not settings.warehouse_path.exists()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create table dim_coin as select 'bitcoin' as coin_id, 'btc' as symbol")
        con.execute("create table fct_posts as select range as post_id from range(5)")
    assert engine.table_rows() == {"dim_coin": 1, "fct_posts": 5}
    with engine.reader() as reader:
        assert reader.columns("dim_coin") == ["coin_id", "symbol"]
        batches = reader.arrow('select * from "fct_posts" order by post_id', batch_rows=2)
        assert batches.read_all().column("post_id").to_pylist() == [0, 1, 2, 3, 4]
        with pytest.raises(duckdb.Error, match="read-only"):
            reader.rows("create table t as select 1")


def test_write_table_creates_then_replaces_a_table_readers_see(settings: Settings) -> None:
    # How marts computed in Python after the dbt build (mart_sentiment_granger) are stored.
    engine = open_engine(settings)
    first = pa.table({"coin_id": ["bitcoin", "ethereum"], "p_value": [0.5, None]})
    engine.write_table("mart_x", first)
    with engine.reader() as reader:
        assert reader.rows('select coin_id, p_value from "mart_x" order by 1') == [
            ("bitcoin", 0.5),
            ("ethereum", None),
        ]
    engine.write_table("mart_x", pa.table({"coin_id": ["solana"], "p_value": [0.01]}))
    assert engine.table_rows() == {"mart_x": 1}  # replaced, not appended
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:  # the lock is let go
        assert con.execute("select coin_id from mart_x").fetchall() == [("solana",)]


def test_a_file_that_is_no_duckdb_database_is_refused_before_a_build(settings: Settings) -> None:
    # (a file locked by another process: tests/test_cli_errors.py, through the CLI)
    engine = open_engine(settings)
    engine.check_writable()  # no file yet is fine
    settings.warehouse_path.write_text("not a database\n")
    for attempt in (engine.check_writable, engine.table_rows):
        with pytest.raises(WarehouseUnavailable, match="is not a DuckDB database file"):
            attempt()


def test_export_reads_through_the_engine_of_a_duckdb_url(tmp_path: Path) -> None:
    file = tmp_path / "wh.duckdb"
    with duckdb.connect(str(file)) as con:
        con.execute("create table dim_coin as select 'bitcoin' as coin_id")
    settings = Settings(lake_url=str(tmp_path / "lake"), warehouse_url=f"duckdb://{file}")
    lake = open_lake(settings)
    [exported] = export_marts(settings, lake, tables=("dim_coin",))
    assert exported.rows == 1
    assert lake.exists("marts/dim_coin.parquet")


# ---- the seam holds ----------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_duckdb_engine_imports_duckdb_or_dbt_duckdb() -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] == "duckdb" or name.startswith("dbt.adapters.duckdb")
        )
        for path in SRC.rglob("*.py")
        if path != DUCKDB_ENGINE
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_warehouse_does_not_import_enrich_or_the_layers_above() -> None:
    above = (
        "cryptopulse.enrich",
        "cryptopulse.serve",
        "cryptopulse.orchestrate",
        "cryptopulse.cli",
    )
    offenders = {
        str(path.relative_to(SRC)): sorted(n for n in _imports(path) if n.startswith(above))
        for path in (SRC / "warehouse").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_run_record_names_the_engine_and_where_it_is(settings: Settings) -> None:
    record = new_report(settings, "run", None).to_record()
    assert record["warehouse_engine"] == "DuckDB"
    assert record["warehouse"] == str(settings.warehouse_path)


def test_the_spark_profile_passes_every_setting_of_the_engines_session(tmp_path: Path) -> None:
    """A dbt run started outside the pipeline (an Airflow task) builds the same session."""
    import yaml

    from cryptopulse.warehouse.dbt_runner import PROJECT_DIR

    settings = Settings(lake_url=str(tmp_path / "lake"), warehouse_url="spark://local[2]")
    engine = open_engine(settings)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    passed = profile["cryptopulse"]["outputs"]["spark"]["server_side_parameters"]
    env = engine.dbt_environment()
    for key, template in passed.items():
        variable = template.split("'")[1]
        assert variable in env, key
    assert len(passed) == sum(1 for k in env if k.startswith("CRYPTOPULSE_SPARKCONF_"))


def test_a_full_refresh_of_an_indexed_warehouse_succeeds_and_leaves_no_index(
    small_demo: Settings, tmp_path: Path
) -> None:
    # Earlier versions built ART indexes on the marts; while any existed, dbt-duckdb's swap
    # failed a parallel full refresh ("<model>__dbt_backup does not exist") on larger lakes.
    import shutil

    from cryptopulse.orchestrate import pipeline

    settings = Settings(
        lake_url=small_demo.lake_url, warehouse_url=str(tmp_path / "warehouse.duckdb")
    )
    shutil.copy(small_demo.warehouse_path, settings.warehouse_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for table in ("fct_coin_stats_hourly", "agg_coin_stats_monthly", "fct_posts"):
            con.execute(f"create index {table}_by_coin on {table} (coin_key)")
        before = {
            t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
            for t in ("fct_posts", "mart_coin_social_hourly")
        }
    for _ in range(2):
        report = pipeline.transform(settings, full_refresh=True)
        assert report.tests_passed == report.tests > 0
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_indexes()").fetchall() == [(0,)]
        after = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in before}
    assert after == before
