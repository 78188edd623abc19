"""The dbt warehouse over a small hand-built lake: staging, dims, facts, aggregate and tests.

Each lake is written with pyarrow in the pipeline's layout
(raw/<source>/<dataset>/date=YYYY-MM-DD/<source>_<dataset>_YYYY-MM-DD.parquet), built once
per module with `dbt build`, and checked with duckdb afterwards.
"""

from __future__ import annotations

import gc
import itertools
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.artifacts.schemas.run import RunExecutionResult
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest
from dbt.contracts.graph.nodes import GenericTestNode

from cryptopulse.core.datasets import COIN_HOURLY, COINS, MENTIONS, POSTS, SENTIMENT, Dataset
from cryptopulse.lake.conform import FUTURE_TOLERANCE
from cryptopulse.warehouse.dbt_runner import NamedFailures
from cryptopulse.warehouse.dbt_runner import _report as dbt_runner_report
from cryptopulse.warehouse.errors import DataQualityError

PROJECT_DIR = Path(__file__).resolve().parents[2] / "src" / "cryptopulse" / "warehouse" / "dbt"
ALL_DATASETS = ["coins", "coin_hourly", "posts"]
TABLES = [
    "stg_coins",
    "stg_coin_hourly",
    "stg_posts",
    "dim_date",
    "dim_coin",
    "fct_coin_stats_hourly",
    "fct_posts",
    "agg_coin_stats_monthly",
]


def ts(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def write_raw(
    lake: Path, source: str, dataset: Dataset, day: date, rows: list[dict], zone: str = "raw"
) -> Path:
    """One lake file, exactly as the pipeline names and types it."""
    folder = lake / zone / source / dataset.name / f"date={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}_{dataset.name}_{day.isoformat()}.parquet"
    table = pa.Table.from_pylist(
        [{name: row.get(name) for name in dataset.schema.names} for row in rows],
        schema=dataset.schema,
    )
    pq.write_table(table, path)
    return path


def post(
    source: str, post_id: str, created_at: datetime, collected_for: str | None, **kw: Any
) -> dict[str, Any]:
    return {
        "source": source,
        "post_id": post_id,
        "created_at": created_at,
        "author": kw.get("author", "someone"),
        "text": kw.get("text", f"post {post_id}"),
        "language": "en",
        "likes": kw.get("likes", 1),
        "reposts": 0,
        "replies": 0,
        "quotes": 0,
        "url": f"https://example.invalid/{source}/{post_id}",
        "collected_for": collected_for,
        "raw": "{}",
    }


def hourly(coin_id: str, at: datetime, price: float, market_cap: float | None = 1e9) -> dict:
    return {
        "coin_id": coin_id,
        "ts": at,
        "price": price,
        "market_cap": market_cap,
        "total_volume": 1e6,
    }


# --- the main lake: every awkward case at once ------------------------------------------

D29, D30, D31, J01 = date(2024, 12, 29), date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)


def write_main_lake(lake: Path) -> None:
    # Coin list snapshots: bitcoin renamed in the later one; dogecoin only in the earlier one.
    # "eth" is shared by ethereum and eth-bridged; "usdc" by usd-coin and bridged-usdc.
    write_raw(
        lake,
        "demo",
        COINS,
        D30,
        [
            {"coin_id": "bitcoin", "symbol": "btc", "name": "Bitcoin (old name)"},
            {"coin_id": "ethereum", "symbol": "eth", "name": "Ethereum"},
            {"coin_id": "eth-bridged", "symbol": "eth", "name": "Bridged Ether"},
            {"coin_id": "dogecoin", "symbol": "doge", "name": "Dogecoin"},
            {"coin_id": "usd-coin", "symbol": "usdc", "name": "USD Coin"},
            {"coin_id": "bridged-usdc", "symbol": "usdc", "name": "Bridged USDC"},
        ],
    )
    write_raw(
        lake,
        "demo",
        COINS,
        D31,
        [
            {"coin_id": "bitcoin", "symbol": "btc", "name": "Bitcoin"},
            {"coin_id": "ethereum", "symbol": "eth", "name": "Ethereum"},
            {"coin_id": "eth-bridged", "symbol": "eth", "name": "Bridged Ether"},
            {"coin_id": "usd-coin", "symbol": "usdc", "name": "USD Coin"},
            {"coin_id": "bridged-usdc", "symbol": "usdc", "name": "Bridged USDC"},
        ],
    )
    # Market data. eth-bridged had the larger cap earlier but ethereum has the larger latest
    # one; usd-coin and bridged-usdc tie. solana is only in market data.
    write_raw(
        lake,
        "demo",
        COIN_HOURLY,
        D30,
        [
            hourly("bitcoin", ts(30, 22), 93_000.0),
            hourly("bitcoin", ts(30, 23), 93_100.0),  # restated by the 12-31 file
            hourly("ethereum", ts(30, 23), 3_300.0, 4e11),
            hourly("eth-bridged", ts(30, 23), 3_290.0, 9e12),
            hourly("usd-coin", ts(30, 23), 1.0, 5e10),
            hourly("bridged-usdc", ts(30, 23), 1.0, 5e10),
        ],
    )
    write_raw(
        lake,
        "demo",
        COIN_HOURLY,
        D31,
        [
            hourly("bitcoin", ts(30, 23), 93_150.0),  # the same key again: this row wins
            hourly("bitcoin", ts(31, 0), 94_000.0),
            hourly("bitcoin", ts(31, 0, 30), 94_500.0),  # same UTC hour: the later one wins
            hourly("bitcoin", ts(31, 23), 95_000.0),
            hourly("ethereum", ts(31, 23), 3_400.0, 4.1e11),
            hourly("eth-bridged", ts(31, 23), 3_390.0, 1e6),
            hourly("solana", ts(31, 23), 190.0, None),
        ],
    )
    write_raw(
        lake,
        "demo",
        COIN_HOURLY,
        J01,
        [
            hourly("bitcoin", ts(1, 0, month=1, year=2025), 96_000.0),
            hourly("bitcoin", ts(1, 2, month=1, year=2025), 97_000.0),
            hourly("solana", ts(1, 1, month=1, year=2025), 200.0, None),
        ],
    )
    # Files the models must not read: a CSV beside the Parquet, and a quarantined record.
    (
        lake
        / "raw"
        / "demo"
        / "coin_hourly"
        / "date=2024-12-31"
        / "demo_coin_hourly_2024-12-31.csv"
    ).write_text("coin_id,ts,price\nbitcoin,2024-12-31T05:00:00Z,-1\n")
    quarantined = [hourly("bitcoin", ts(31, 5), -1.0)]
    write_raw(lake, "demo", COIN_HOURLY, D31, quarantined, zone="quarantine")

    # Posts from two sources; x's second import overlaps the first (x-2 restated).
    write_raw(
        lake,
        "demo",
        POSTS,
        D29,
        [
            post("demo", "d-1", ts(29, 23, 10), "bitcoin"),  # coin_id
            post("demo", "d-2", ts(30, 22, 15), "Ethereum"),  # name, any case
        ],
    )
    write_raw(
        lake,
        "x",
        POSTS,
        D30,
        [
            post("x", "x-1", ts(30, 10), "ETH"),  # symbol shared: largest latest cap
            post("x", "x-2", ts(30, 11), "usdc", likes=5),  # symbol tie: smallest coin_id
        ],
    )
    write_raw(
        lake,
        "x",
        POSTS,
        D31,
        [
            post("x", "x-2", ts(30, 11), "usdc", likes=7),  # the later import wins
            post("x", "x-3", ts(31, 12), "btc"),  # unique symbol
            post("x", "x-4", ts(31, 13), "some meme term"),  # unknown: no coin
            post("x", "x-5", ts(31, 14), None),
            post("x", "d-1", ts(29, 23, 10), "bitcoin"),  # same post id, other source
        ],
    )


# --- running dbt ----------------------------------------------------------------------


@dataclass
class Build:
    """One `dbt build` over one lake: its outcome per node and the warehouse file."""

    success: bool
    statuses: dict[str, str]  # node name -> status (success, pass, fail, error, skipped)
    # failing rows per failed check: "<table>: <condition>" for a row_checks condition (the
    # failed conditions the materialization logs), the test's name for any other test
    failures: dict[str, int]
    warehouse: Path
    lake: Path
    execution: RunExecutionResult  # dbt's results, as the pipeline's runner reads them
    named: dict[str, dict[str, int]]  # NamedFailures.counts

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def count(self, table: str) -> int:
        return int(self.query(f"select count(*) from {table}")[0][0])


def release_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB database open in-process after a run; let it go, so the
    test can open the file read-only (and the next build can open another one)."""
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def invoke_dbt(
    command: str,
    workdir: Path,
    lake: Path,
    datasets: list[str],
    manifest: Manifest | None = None,
    named: NamedFailures | None = None,
) -> dbtRunnerResult:
    """`dbt <command>` in-process, as the pipeline runs it: artifacts and logs under workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        json.dumps({"lake_url": str(lake), "lake_datasets": datasets}),
        "--quiet",
    ]
    env = {
        "CRYPTOPULSE_DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
        "CRYPTOPULSE_DBT_TARGET": "duckdb",
        "CRYPTOPULSE_DBT_THREADS": "4",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        callbacks: list[Any] = [named] if named is not None else []
        result = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(args)
    release_warehouse()
    if result.exception is not None:
        raise result.exception
    return result


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """The project parsed once: parsing costs as much as a build, and nothing the lake vars
    change is decided at parse time (models read the vars when they compile)."""
    root = tmp_path_factory.mktemp("warehouse_parse")
    result = invoke_dbt("parse", root, root / "lake", ALL_DATASETS)
    assert result.success and isinstance(result.result, Manifest)
    return result.result


def run_dbt_build(
    workdir: Path, lake: Path, datasets: list[str], manifest: Manifest, command: str = "build"
) -> Build:
    named = NamedFailures()
    result = invoke_dbt(command, workdir, lake, datasets, manifest, named)
    assert isinstance(result.result, RunExecutionResult)
    statuses: dict[str, str] = {}
    failures: dict[str, int] = {}
    for node_result in result.result.results:
        node = node_result.node
        status = str(node_result.status)
        statuses[node.name] = status
        if status not in ("fail", "error"):
            continue
        counts = named.counts.get(node.unique_id)
        if counts:
            # the failed conditions' rows add up to what dbt counted for the test
            assert sum(counts.values()) == node_result.failures, node.name
            table = node.name.removesuffix("__checks")
            failures |= {f"{table}: {name}": rows for name, rows in counts.items()}
        else:
            failures[node.name] = int(node_result.failures or 0)
    warehouse = workdir / "warehouse.duckdb"
    return Build(result.success, statuses, failures, warehouse, lake, result.result, named.counts)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, manifest: Manifest) -> Build:
    root = tmp_path_factory.mktemp("warehouse_main")
    write_main_lake(root / "lake")
    return run_dbt_build(root / "dbt", root / "lake", ALL_DATASETS, manifest)


@pytest.fixture(scope="module")
def raw(built: Build) -> Iterator[duckdb.DuckDBPyConnection]:
    """The main lake's raw Parquet files, as the tests' own independent reading."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for dataset in ALL_DATASETS:
        pattern = f"{built.lake}/raw/*/{dataset}/*/*.parquet"
        con.execute(
            f"create view raw_{dataset} as "
            f"select * from read_parquet('{pattern}', hive_partitioning = false)"
        )
    yield con
    con.close()


# --- the main build -------------------------------------------------------------------


@pytest.mark.slow
def test_build_succeeds_and_every_test_passes(built: Build, manifest: Manifest) -> None:
    assert built.success, {k: v for k, v in built.statuses.items() if v not in ("success", "pass")}
    assert {table: built.statuses.get(table) for table in TABLES} == dict.fromkeys(
        TABLES, "success"
    )
    test_names = {node.name for node in manifest.nodes.values() if node.resource_type == "test"}
    # one row_checks test per tested model, the spine, two reconciliations, the singular one
    assert len(test_names) >= 19
    conditions = [
        condition
        for node in manifest.nodes.values()
        if isinstance(node, GenericTestNode) and node.test_metadata.name == "row_checks"
        for condition in node.test_metadata.kwargs["conditions"]
    ]
    assert len(conditions) >= 80
    assert {name: built.statuses.get(name) for name in test_names} == dict.fromkeys(
        test_names, "pass"
    )


@pytest.mark.slow
def test_every_table_has_the_expected_rows(built: Build) -> None:
    counts = {table: built.count(table) for table in TABLES}
    assert counts == {
        "stg_coins": 6,
        "stg_coin_hourly": 14,
        "stg_posts": 8,
        # 2024-12-29 23:00 (first post) .. 2025-01-01 02:00 (last market hour)
        "dim_date": 52,
        "dim_coin": 7,
        "fct_coin_stats_hourly": 14,
        "fct_posts": 8,
        # bitcoin, ethereum, eth-bridged, usd-coin, bridged-usdc, solana in Dec; bitcoin and
        # solana in Jan
        "agg_coin_stats_monthly": 8,
    }


@pytest.mark.slow
def test_staging_keeps_the_latest_file_and_the_latest_observation(built: Build) -> None:
    assert built.query("select name from stg_coins where coin_id = 'bitcoin'") == [("Bitcoin",)]
    # dogecoin is in the earlier snapshot only: still known.
    assert built.query("select symbol from stg_coins where coin_id = 'dogecoin'") == [("doge",)]
    prices = dict(
        built.query(
            "select hour_ts, price from stg_coin_hourly where coin_id = 'bitcoin' "
            "and hour_ts in ('2024-12-30 23:00:00', '2024-12-31 00:00:00')"
        )
    )
    assert prices == {datetime(2024, 12, 30, 23): 93_150.0, datetime(2024, 12, 31, 0): 94_500.0}
    assert built.query("select likes from stg_posts where source = 'x' and post_id = 'x-2'") == [
        (7,)
    ]


@pytest.mark.slow
def test_columns_keep_their_types(built: Build) -> None:
    # Timestamps are UTC wall clock without time zone; money stays an 8-byte double.
    types = dict(
        built.query(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where column_name in ('hour_ts', 'created_at')"
        )
    )
    assert types and set(types.values()) == {"TIMESTAMP"}, types
    money = built.query(
        "select distinct data_type from information_schema.columns "
        "where column_name in ('price', 'market_cap', 'total_volume', 'max_price', 'min_price')"
    )
    assert money == [("DOUBLE",)]
    assert built.query("select min(created_at) from fct_posts") == [
        (datetime(2024, 12, 29, 23, 10),)
    ]


STAGED = {
    "stg_coins": COINS,
    "stg_coin_hourly": COIN_HOURLY,
    "stg_posts": POSTS,
    "stg_post_mentions": MENTIONS,
    "stg_post_sentiment": SENTIMENT,
}
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "double": "DOUBLE",
    "int64": "BIGINT",
    "timestamp[us, tz=UTC]": "TIMESTAMP",
}


@pytest.mark.slow
def test_staging_types_each_column_as_its_contract_says(built: Build) -> None:
    # The casts come from the contracts (macros/staging.sql): every column staging carries
    # has the warehouse type of its contract type; UTC timestamps lose their time zone.
    for model, dataset in STAGED.items():
        types = dict(
            built.query(
                "select column_name, data_type from information_schema.columns "
                "where table_name = ?",
                [model],
            )
        )
        expected = {
            field.name: DUCKDB_TYPES[str(field.type)]
            for field in dataset.schema
            if field.name in types
        }
        assert expected and {name: types[name] for name in expected} == expected, model
    assert "raw" not in dict(
        built.query(
            "select column_name, 1 from information_schema.columns where table_name = 'stg_posts'"
        )
    )


@pytest.mark.slow
def test_facts_do_not_fan_out(built: Build, raw: duckdb.DuckDBPyConnection) -> None:
    raw_coin_hours = raw.execute(
        "select count(*) from "
        "(select distinct coin_id, date_trunc('hour', ts) from raw_coin_hourly)"
    ).fetchone()
    raw_posts = raw.execute(
        "select count(*) from (select distinct source, post_id from raw_posts)"
    ).fetchone()
    assert raw_coin_hours is not None and raw_posts is not None
    assert built.count("fct_coin_stats_hourly") == raw_coin_hours[0] == 14
    assert built.count("fct_posts") == raw_posts[0] == 8


@pytest.mark.slow
def test_dim_date_is_one_row_per_hour_without_gaps(built: Build) -> None:
    rows = built.query("select hour_ts, date_key from dim_date order by hour_ts")
    hours = [row[0] for row in rows]
    assert hours[0] == datetime(2024, 12, 29, 23)
    assert hours[-1] == datetime(2025, 1, 1, 2)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(hours))
    assert [row[1] for row in rows] == [int(h.strftime("%Y%m%d%H")) for h in hours]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("date_key", "expected"),
    [
        # 2024-12-29 is a Sunday in ISO week 52 of 2024; 2024-12-30 a Monday in week 1 of 2025.
        (
            2024122923,
            (date(2024, 12, 29), 23, 29, 52, 2024, 12, "December", 4, 2024, 7, "Sunday", True),
        ),
        (
            2024123000,
            (date(2024, 12, 30), 0, 30, 1, 2025, 12, "December", 4, 2024, 1, "Monday", False),
        ),
        (
            2024123122,
            (date(2024, 12, 31), 22, 31, 1, 2025, 12, "December", 4, 2024, 2, "Tuesday", False),
        ),
        (
            2025010102,
            (date(2025, 1, 1), 2, 1, 1, 2025, 1, "January", 1, 2025, 3, "Wednesday", False),
        ),
    ],
)
def test_dim_date_attributes(built: Build, date_key: int, expected: tuple[Any, ...]) -> None:
    rows = built.query(
        "select date_day, hour, day, iso_week, iso_year, month, month_name, quarter, year, "
        "weekday, weekday_name, is_weekend from dim_date where date_key = ?",
        [date_key],
    )
    assert rows == [expected]


@pytest.mark.slow
def test_dim_coin_keeps_market_only_coins_and_stable_keys(built: Build) -> None:
    assert built.query("select symbol, name from dim_coin where coin_id = 'solana'") == [
        ("solana", "solana")
    ]
    # coin_key is md5(coin_id): the same on every rebuild and in every later run.
    assert built.query("select count(*) from dim_coin where coin_key <> md5(coin_id)") == [(0,)]
    orphans = built.query(
        "select count(*) from fct_coin_stats_hourly f "
        "left join dim_coin d using (coin_key) where d.coin_key is null"
    )
    assert orphans == [(0,)]


@pytest.mark.slow
def test_posts_are_matched_to_coins_id_then_name_then_symbol(built: Build) -> None:
    matched = dict(
        built.query(
            "select p.source || ':' || p.post_id, c.coin_id "
            "from fct_posts p left join dim_coin c using (coin_key)"
        )
    )
    assert matched == {
        "demo:d-1": "bitcoin",  # coin_id
        "x:d-1": "bitcoin",
        "demo:d-2": "ethereum",  # name, case-insensitive
        # "eth": eth-bridged had the larger cap earlier, ethereum has the larger latest one
        "x:x-1": "ethereum",
        "x:x-2": "bridged-usdc",  # "usdc": equal latest caps, the smaller coin_id
        "x:x-3": "bitcoin",  # unique symbol
        "x:x-4": None,  # unknown term
        "x:x-5": None,  # collected for nothing
    }
    assert built.query("select date_key from fct_posts where post_id = 'd-2'") == [(2024123022,)]


@pytest.mark.slow
def test_monthly_aggregate_equals_a_recomputation(built: Build) -> None:
    expected = built.query(
        "select coin_id, year(hour_ts), month(hour_ts), min(price), max(price), "
        "min(market_cap), max(market_cap), min(total_volume), max(total_volume), count(*) "
        "from fct_coin_stats_hourly group by all order by all"
    )
    actual = built.query(
        "select coin_id, year, month, min_price, max_price, min_market_cap, max_market_cap, "
        "min_total_volume, max_total_volume, hours_observed "
        "from agg_coin_stats_monthly order by all"
    )
    assert actual == expected
    assert built.query(
        "select month_start, hours_observed, min_price, max_price from agg_coin_stats_monthly "
        "where coin_id = 'bitcoin' order by month_start"
    ) == [(date(2024, 12, 1), 4, 93_000.0, 95_000.0), (date(2025, 1, 1), 2, 96_000.0, 97_000.0)]


@pytest.mark.slow
def test_nothing_is_written_inside_the_project(built: Build) -> None:
    assert not (PROJECT_DIR / "target").exists()
    assert not (PROJECT_DIR / "logs").exists()
    assert not (PROJECT_DIR / "dbt_packages").exists()


# --- partial and empty lakes ----------------------------------------------------------


def write_market_only_lake(lake: Path) -> None:
    write_raw(
        lake, "demo", COINS, D30, [{"coin_id": "bitcoin", "symbol": "btc", "name": "Bitcoin"}]
    )
    write_raw(
        lake,
        "demo",
        COIN_HOURLY,
        D30,
        [hourly("bitcoin", ts(30, 1), 90_000.0), hourly("bitcoin", ts(30, 3), 91_000.0)],
    )


def write_posts_only_lake(lake: Path) -> None:
    write_raw(
        lake,
        "x",
        POSTS,
        D30,
        [post("x", "1", ts(30, 5, 59), "btc"), post("x", "2", ts(30, 7, 1), "bitcoin")],
    )


@pytest.fixture(scope="module")
def partial_builds(
    tmp_path_factory: pytest.TempPathFactory, manifest: Manifest
) -> dict[str, Build]:
    root = tmp_path_factory.mktemp("warehouse_partial")
    write_market_only_lake(root / "market_lake")
    write_posts_only_lake(root / "posts_lake")
    (root / "empty_lake").mkdir()
    return {
        "market_only": run_dbt_build(
            root / "dbt_market", root / "market_lake", ["coins", "coin_hourly"], manifest
        ),
        "posts_only": run_dbt_build(root / "dbt_posts", root / "posts_lake", ["posts"], manifest),
        "empty": run_dbt_build(root / "dbt_empty", root / "empty_lake", [], manifest),
    }


@pytest.mark.slow
def test_only_market_data_builds_with_empty_posts(partial_builds: dict[str, Build]) -> None:
    build = partial_builds["market_only"]
    assert build.success, build.statuses
    assert build.count("fct_posts") == 0
    assert build.count("fct_coin_stats_hourly") == 2
    assert build.count("dim_date") == 3  # 01:00 .. 03:00
    assert build.count("agg_coin_stats_monthly") == 1


@pytest.mark.slow
def test_only_posts_builds_with_empty_market_data(partial_builds: dict[str, Build]) -> None:
    build = partial_builds["posts_only"]
    assert build.success, build.statuses
    assert build.count("fct_coin_stats_hourly") == 0
    assert build.count("dim_coin") == 0
    assert build.count("agg_coin_stats_monthly") == 0
    assert build.query("select count(*), count(coin_key) from fct_posts") == [(2, 0)]
    assert build.query("select min(date_key), max(date_key), count(*) from dim_date") == [
        (2024123005, 2024123007, 3)
    ]
    # The empty staging tables keep their types.
    assert build.query(
        "select data_type from information_schema.columns "
        "where table_name = 'stg_coin_hourly' and column_name = 'hour_ts'"
    ) == [("TIMESTAMP",)]


@pytest.mark.slow
def test_an_empty_lake_builds_empty_tables(partial_builds: dict[str, Build]) -> None:
    build = partial_builds["empty"]
    assert build.success, build.statuses
    assert {table: build.count(table) for table in TABLES} == dict.fromkeys(TABLES, 0)


# --- data-quality failures ------------------------------------------------------------


@pytest.mark.slow
def test_bad_raw_data_fails_the_tests_of_the_right_models(
    tmp_path: Path, manifest: Manifest
) -> None:
    lake = tmp_path / "lake"
    now = datetime.now(UTC)
    future = now + timedelta(days=3)
    write_raw(
        lake, "demo", COINS, D30, [{"coin_id": "bitcoin", "symbol": "btc", "name": "Bitcoin"}]
    )
    write_raw(
        lake,
        "demo",
        COIN_HOURLY,
        D30,
        [
            hourly("bitcoin", ts(30, 1), 90_000.0),
            hourly("bitcoin", ts(30, 2), 0.0),
            hourly("bitcoin", ts(30, 3), -5.0),
        ],
    )
    write_raw(
        lake,
        "x",
        POSTS,
        D30,
        [
            post("x", "1", ts(30, 2), "btc"),
            post("x", "2", future, "btc"),
            # Within the clock tolerance landing allows (FUTURE_TOLERANCE): not in the future.
            post("x", "3", now + timedelta(minutes=2), "btc"),
            # Clearly ahead: fails the check like the post three days ahead.
            post("x", "4", now + timedelta(hours=2), "btc"),
        ],
    )

    build = run_dbt_build(tmp_path / "dbt", lake, ALL_DATASETS, manifest)

    assert not build.success
    assert build.failures == {
        "fct_coin_stats_hourly: price is positive": 2,
        "fct_posts: created_at is not in future": 2,
    }
    # The models themselves were built; only what depends on the failing model waits.
    assert build.statuses["fct_coin_stats_hourly"] == "success"
    assert build.statuses["fct_posts"] == "success"
    assert build.statuses["agg_coin_stats_monthly"] == "skipped"


@pytest.mark.slow
def test_every_kind_of_condition_fails_by_name(
    tmp_path: Path, built: Build, manifest: Manifest
) -> None:
    """Bad rows written straight into a built warehouse fail the conditions that look at
    them, each named with exactly its rows: a duplicate key, a duplicate grain, a null, an
    unknown value and an orphan key (ranges and the future: the test above)."""
    work = tmp_path / "dbt"
    work.mkdir()
    shutil.copy(built.warehouse, work / "warehouse.duckdb")
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        con.execute("insert into dim_coin select * from dim_coin order by coin_id limit 1")
        # The main lake has no mentions: the bridge's rows are written here, by name.
        post, coin, other = (
            con.execute(
                "select (select min(post_key) from fct_posts), min(coin_key), max(coin_key) "
                "from dim_coin"
            ).fetchone()
            or ()
        )
        bridge = (
            "insert into fct_post_coin by name select ? as post_key, ? as coin_key, ? as match_kind"
        )
        con.execute(bridge, [post, coin, "cashtag"])
        con.execute(bridge, [post, coin, "cashtag"])  # the same post and coin twice
        con.execute(bridge, [post, other, "hunch"])
        con.execute(bridge, ["no-such-post", coin, "cashtag"])
        con.execute(
            "update stg_posts set source = null where rowid = (select min(rowid) from stg_posts)"
        )

    checked = run_dbt_build(work, built.lake, ALL_DATASETS, manifest, command="test")

    assert not checked.success
    assert checked.failures == {
        "dim_coin: coin_key is unique": 1,
        "dim_coin: coin_id is unique": 1,
        "fct_post_coin: one row per post and coin": 1,
        "fct_post_coin: match_kind is known": 1,
        "fct_post_coin: post_key is in fct_posts": 1,
        "stg_posts: source is present": 1,
    }
    # The pipeline's runner turns them into the error the CLI prints: one line per condition.
    with pytest.raises(DataQualityError) as raised:
        dbt_runner_report(checked.execution, checked.named)
    message = str(raised.value)
    assert message.startswith("data quality checks failed (6):")
    assert "  - dim_coin · coin_key is unique: One row per coin_key. · 1 failing row" in message
    assert "  - fct_post_coin · match_kind is known: Only the resolver's match kinds" in message


def test_not_in_future_allows_the_same_tolerance_as_landing(manifest: Manifest) -> None:
    """The checks' margin is the lake's FUTURE_TOLERANCE, and no condition overrides it:
    a row landing accepts must never fail the warehouse's check."""
    sql = (PROJECT_DIR / "macros" / "checks.sql").read_text()
    found = re.search(
        r"\{%\s*macro\s+future_tolerance_minutes\(\)\s*%\}\{\{\s*return\((\d+)\)", sql
    )
    assert found, "future_tolerance_minutes not found in macros/checks.sql"
    assert timedelta(minutes=int(found.group(1))) == FUTURE_TOLERANCE
    uses = {
        f"{node.name}: {condition['name']}": condition["not_in_future"]
        for node in manifest.nodes.values()
        if isinstance(node, GenericTestNode) and node.test_metadata.name == "row_checks"
        for condition in node.test_metadata.kwargs["conditions"]
        if "not_in_future" in condition
    }
    assert len(uses) >= 2
    for name, column in uses.items():
        assert isinstance(column, str), f"{name}: not_in_future takes a column, no tolerance"
