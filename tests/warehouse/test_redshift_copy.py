"""The Redshift loader's SQL: what it COPYs for a window, how it quotes, and that every
statement is Redshift SQL and carries no secret.

No Redshift runs here, so the statements are checked as text and with sqlglot's Redshift
dialect (redshift_sql.py); the lake they are planned from is real (a moto S3 server on
loopback), and so are the settings.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from cryptopulse.core.datasets import LAKE_DATASETS
from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings, SettingsError, load_settings
from cryptopulse.lake import Lake, layout
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.engines import redshift_copy as sql
from cryptopulse.warehouse.engines.redshift import RedshiftEngine
from redshift_sql import problems

ROLE = "arn:aws:iam::123456789012:role/RedshiftCopy"
URL = "redshift://analyst@cluster.example.eu-west-1.redshift.amazonaws.com:5439/crypto"
PASSWORD = "pw-Never-Shown-7"
SECRET_KEY = "aws-secret-Never-Shown-9"
VERSION = "vader_crypto-3.3.2-crypto1"
DAY1, DAY2, OUTSIDE = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 5)
WINDOW = Interval(DAY1, DAY2 + (DAY2 - DAY1))  # 2024-01-01 .. 2024-01-03 (exclusive)


def _engine(monkeypatch: pytest.MonkeyPatch, **values: str) -> RedshiftEngine:
    monkeypatch.setenv("CRYPTOPULSE_REDSHIFT_PASSWORD", PASSWORD)
    settings = load_settings(warehouse_url=URL, redshift_iam_role=ROLE, **values)
    engine = open_engine(settings)
    assert isinstance(engine, RedshiftEngine)
    return engine


def _empty(dataset: str) -> pa.Table:
    return LAKE_DATASETS[dataset].schema.empty_table()


@pytest.fixture
def lake(s3_endpoint: str, s3_bucket: str) -> Lake:
    """An S3 lake with posts from two sources (one of them in two parts) on two days of the
    window and one day outside it, a CSV copy beside a Parquet file, and sentiment of the
    current version and of an older one."""
    lake = Lake(f"s3://{s3_bucket}/lake", s3_endpoint_url=s3_endpoint)
    for day in (DAY1, DAY2, OUTSIDE):
        lake.write_parquet(layout.raw_file("demo", "posts", day), _empty("posts"))
    lake.write_parquet(layout.raw_file("x", "posts", DAY1, part="import-a"), _empty("posts"))
    lake.write_parquet(layout.raw_file("x", "posts", DAY1, part="import-b"), _empty("posts"))
    lake.write_csv(layout.raw_file("demo", "posts", DAY1, ext="csv"), _empty("posts"))
    for version in (VERSION, "vader_crypto-3.3.1-crypto0"):
        rel = f"{layout.ENRICH}/sentiment/{version}/date={DAY2}/demo_sentiment_{DAY2}.parquet"
        lake.write_parquet(rel, _empty("sentiment"))
    return lake


def _copied(statements: list[str]) -> list[str]:
    """The S3 URLs the statements COPY, in order."""
    urls = []
    for statement in statements:
        if statement.startswith("copy "):
            urls.append(statement.split("from '", 1)[1].split("'", 1)[0])
    return urls


# ---- what a load copies ------------------------------------------------------------------
def test_a_window_copies_each_parquet_file_of_its_days_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, lake: Lake
) -> None:
    plan = _engine(monkeypatch).load_plan(lake, ["posts"], {}, WINDOW, ROLE)
    root = lake.uri()
    assert _copied(plan["posts"]) == [
        f"{root}/raw/demo/posts/date=2024-01-01/demo_posts_2024-01-01.parquet",
        f"{root}/raw/demo/posts/date=2024-01-02/demo_posts_2024-01-02.parquet",
        f"{root}/raw/x/posts/date=2024-01-01/x_posts_2024-01-01_import-a.parquet",
        f"{root}/raw/x/posts/date=2024-01-01/x_posts_2024-01-01_import-b.parquet",
    ]


def test_the_window_days_are_replaced_in_one_transaction_with_file_and_day_on_each_row(
    monkeypatch: pytest.MonkeyPatch, lake: Lake
) -> None:
    statements = _engine(monkeypatch).load_plan(lake, ["posts"], {}, WINDOW, ROLE)["posts"]
    deletes = [s for s in statements if s.startswith('delete from "lake"."posts"')]
    assert deletes == [
        'delete from "lake"."posts"\nwhere lake_date >= cast(\'2024-01-01\' as date) '
        "and lake_date < cast('2024-01-03' as date)"
    ]
    # The window's rows go before any file comes in; each COPY is followed by its insert,
    # which stamps the rows with the file they came from and its day.
    assert statements.index(deletes[0]) < next(
        i for i, s in enumerate(statements) if s.startswith("copy ")
    )
    for index, statement in enumerate(statements):
        if statement.startswith("copy "):
            url = _copied([statement])[0]
            insert = statements[index + 1]
            assert insert.startswith('insert into "lake"."posts"')
            assert f"'{url}', cast('{sql.file_day(url)}' as date)" in insert
    # No TRUNCATE: it would commit the transaction half-way.
    assert not any("truncate" in s.lower() for s in statements)


def test_without_a_window_every_file_is_copied_and_every_row_replaced(
    monkeypatch: pytest.MonkeyPatch, lake: Lake
) -> None:
    statements = _engine(monkeypatch).load_plan(lake, ["posts"], {}, None, ROLE)["posts"]
    assert len(_copied(statements)) == 5  # the day outside the window too, no CSV
    assert 'delete from "lake"."posts"' in statements


def test_enrich_results_are_copied_from_the_version_the_models_read(
    monkeypatch: pytest.MonkeyPatch, lake: Lake
) -> None:
    engine = _engine(monkeypatch)
    versions = {"sentiment": VERSION}
    statements = engine.load_plan(lake, ["sentiment"], versions, WINDOW, ROLE)["sentiment"]
    prefix = f"{lake.uri()}/enrich/sentiment/{VERSION}/"
    assert _copied(statements) == [f"{prefix}date=2024-01-02/demo_sentiment_2024-01-02.parquet"]
    # Rows of any other version leave the table: it holds the one the models read.
    assert sql.delete_other_versions("sentiment", prefix) in statements
    # A table found holding another version is reloaded whole, not by window.
    stale = engine.load_plan(lake, ["sentiment"], versions, WINDOW, ROLE, ["sentiment"])
    assert 'delete from "lake"."sentiment"' in stale["sentiment"]


def test_window_globs_name_one_partition_folder_per_day() -> None:
    assert sql.window_globs("posts", None, WINDOW) == [
        "raw/*/posts/date=2024-01-01/*.parquet",
        "raw/*/posts/date=2024-01-02/*.parquet",
    ]
    assert sql.window_globs("mentions", "v1", Interval(DAY1, DAY2)) == [
        "enrich/mentions/v1/date=2024-01-01/*.parquet"
    ]
    assert sql.window_globs("posts", None, None) == [layout.dataset_glob(layout.RAW, "posts")]


# ---- the statements themselves -----------------------------------------------------------
def test_copy_names_the_object_the_iam_role_and_parquet() -> None:
    lake_file = sql.LakeFile(
        "coin_hourly", "s3://b/lake/raw/coingecko/coin_hourly/date=2024-01-01/f.parquet", DAY1
    )
    assert sql.copy_file(lake_file, ROLE) == (
        'copy "cryptopulse_copy_coin_hourly"\n'
        "from 's3://b/lake/raw/coingecko/coin_hourly/date=2024-01-01/f.parquet'\n"
        f"iam_role '{ROLE}'\n"
        "format as parquet"
    )
    with pytest.raises(ValueError, match="S3 only"):
        sql.copy_file(sql.LakeFile("posts", "/local/lake/raw/x.parquet", DAY1), ROLE)


def test_quotes_and_backslashes_in_a_path_stay_inside_the_literal() -> None:
    url = "s3://b/it's\\odd/raw/demo/posts/date=2024-01-01/demo_posts_2024-01-01.parquet"
    statement = sql.insert_copied(sql.LakeFile("posts", url, DAY1))
    assert "'s3://b/it''s\\\\odd/raw/" in statement
    tree = sqlglot.parse_one(statement, read="redshift")
    literals = [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]
    assert url in literals  # read back as the same path, not cut at the quote
    assert sql.quote_ident('we"ird') == '"we""ird"'


def test_the_copy_table_has_exactly_the_files_columns_in_their_order() -> None:
    # COPY from Parquet maps columns by position and needs as many as the file has.
    for dataset, contract in LAKE_DATASETS.items():
        tree = sqlglot.parse_one(sql.create_copy_table(dataset), read="redshift")
        columns = [c.name for c in tree.find_all(exp.ColumnDef)]
        assert columns == contract.schema.names
        raw = sqlglot.parse_one(sql.create_raw_table(dataset), read="redshift")
        assert [c.name for c in raw.find_all(exp.ColumnDef)] == [
            *contract.schema.names,
            "filename",
            "lake_date",
        ]


def test_varchar_sizes_hold_the_longest_value_the_lake_accepts() -> None:
    columns = dict(sql.contract_columns("posts"))
    assert columns["text"] == "varchar(40000)"  # 10000 characters, up to 4 bytes each
    assert columns["post_id"] == "varchar(2048)"
    assert columns["raw"] == "varchar(65535)"  # no limit in the contract: Redshift's maximum
    assert columns["created_at"] == "timestamp"
    assert columns["likes"] == "bigint"


def test_every_statement_is_redshift_sql_and_carries_no_secret(
    monkeypatch: pytest.MonkeyPatch, lake: Lake
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    engine = _engine(monkeypatch)
    versions = {"sentiment": VERSION}
    datasets = ["posts", "sentiment"]
    plan = engine.load_plan(lake, datasets, versions, WINDOW, ROLE, ["sentiment"])
    statements = [s for dataset in datasets for s in plan[dataset]]
    statements += [sql.create_raw_table(d) for d in LAKE_DATASETS]
    statements.append(sql.count_other_versions("sentiment", f"{lake.uri()}/enrich/x/"))
    for statement in statements:
        assert problems(statement) == [], statement
        assert PASSWORD not in statement and SECRET_KEY not in statement
        assert "access_key" not in statement.lower() and "credentials" not in statement.lower()


def test_a_python_computed_mart_is_created_emptied_and_refilled_with_one_parameter_per_column() -> (
    None
):
    from cryptopulse.warehouse.granger import SCHEMA as GRANGER

    create, empty, insert = sql.python_table_statements("cryptopulse", "mart_x", GRANGER)
    for statement in (create, empty):
        assert problems(statement) == [], statement
    assert '"lag_order" integer' in create and '"is_significant" boolean' in create
    assert empty == 'delete from "cryptopulse"."mart_x"'
    assert insert.count("%s") == len(GRANGER.names)
    assert insert.startswith('insert into "cryptopulse"."mart_x" ("coin_key", "coin_id",')


# ---- the engine around it ----------------------------------------------------------------
def test_a_local_lake_and_a_missing_role_are_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    engine = _engine(monkeypatch)
    local = Lake(str(tmp_path / "lake"))
    with pytest.raises(UserError, match="COPY from S3, but CRYPTOPULSE_LAKE_URL is a local"):
        engine.load(local, ["posts"], {}, WINDOW)
    monkeypatch.delenv("CRYPTOPULSE_REDSHIFT_PASSWORD")
    no_role = open_engine(Settings(warehouse_url=URL))
    with pytest.raises(UserError, match="CRYPTOPULSE_REDSHIFT_IAM_ROLE is not set"):
        no_role.load(Lake("s3://bucket/lake"), ["posts"], {}, WINDOW)


def test_the_engine_shows_where_it_is_and_gives_dbt_no_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = _engine(monkeypatch)
    assert engine.describe() == (
        "Redshift redshift://analyst@cluster.example.eu-west-1.redshift.amazonaws.com:5439/crypto"
    )
    environment = engine.dbt_environment()
    assert environment["CRYPTOPULSE_DBT_TARGET"] == "redshift"
    assert environment["CRYPTOPULSE_REDSHIFT_PORT"] == "5439"
    assert PASSWORD not in " ".join(environment.values())
    assert PASSWORD not in repr(load_settings(warehouse_url=URL))


def test_a_password_in_the_url_is_refused_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", f"redshift://analyst:{PASSWORD}@host/crypto")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("CRYPTOPULSE_WAREHOUSE_URL: a password does not belong in the URL")
    assert PASSWORD not in message
    assert "redshift://analyst:***@host/crypto" in message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redshift://cluster.example/crypto", "needs a user and a host"),
        ("redshift://analyst@cluster.example", "needs one database name"),
        ("redshift://analyst@cluster.example:notaport/crypto", "not a server URL"),
    ],
)
def test_an_incomplete_redshift_url_says_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", url)
    with pytest.raises(SettingsError, match=says) as raised:
        load_settings()
    assert "redshift://USER@HOST:5439/DB" in str(raised.value)


def test_the_iam_role_must_be_a_role_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOPULSE_REDSHIFT_IAM_ROLE", "RedshiftCopy")
    with pytest.raises(SettingsError, match="an IAM role ARN such as"):
        load_settings()
    monkeypatch.setenv("CRYPTOPULSE_REDSHIFT_IAM_ROLE", f"{ROLE},{ROLE}2")
    assert load_settings().redshift_iam_role == f"{ROLE},{ROLE}2"  # chained roles
