"""mart_sentiment_granger: per coin, does sentiment Granger-cause returns, and returns
sentiment? A post-build step of the warehouse, the one mart computed in Python.

Granger tests are regressions with a bootstrap, which no SQL engine offers; a dbt Python
model would tie the project to one adapter. So after the dbt build
this step reads the hourly mart through the engine's read-only ``MartReader`` (plain SQL
every engine reads), computes the tests with ``leadlag_stats.granger_tests`` and stores the
result with ``WarehouseEngine.write_table``; the export then writes it like any other mart.
It is rebuilt from the whole hourly history each run (about half a second per coin-year).

Per coin, direction and lag order p in GRANGER_ORDERS: effect_t regressed on a constant and p
lags of itself; H0 "p lags of the cause add nothing" by the heteroskedasticity-robust score
statistic, its p-value from a block wild bootstrap under H0 (the same sign multipliers for
every test of a coin, from a fixed seed). Sentiment enters as the hour's mean sentiment (its
own lags absorb persistence); hours without posts drop out. Formulas: docs/leadlag.md.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cryptopulse.core.settings import Settings
from cryptopulse.warehouse.blas import one_blas_thread
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.leadlag_stats import (
    GRANGER_ALPHA,
    GRANGER_ORDERS,
    FloatArray,
    bootstrap_multipliers,
    granger_rejects,
    granger_tests,
)

TABLE = "mart_sentiment_granger"
SOURCE = "mart_coin_social_hourly"
DIRECTIONS = ("sentiment_to_return", "return_to_sentiment")

SCHEMA = pa.schema(
    [
        pa.field("coin_key", pa.string()),
        pa.field("coin_id", pa.string()),
        pa.field("direction", pa.string()),
        pa.field("lag_order", pa.int32()),
        pa.field("n_observations", pa.int64()),
        pa.field("lm_statistic", pa.float64()),
        pa.field("df_num", pa.int32()),
        pa.field("p_value", pa.float64()),
        pa.field("block_hours", pa.int32()),
        pa.field("is_significant", pa.bool_()),
        pa.field("direction_is_significant", pa.bool_()),
    ]
)


def _values(column: pa.ChunkedArray) -> FloatArray:
    return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def granger_table(hourly: pa.Table) -> pa.Table:
    """The mart's rows from the hourly mart's ``coin_key``, ``coin_id``, ``mean_sentiment``
    and ``hourly_return``, ordered by coin and hour (one row per hour, no gaps)."""
    rows: list[dict[str, object]] = []
    if hourly.num_rows == 0:
        return SCHEMA.empty_table()
    cutoff = GRANGER_ALPHA / len(GRANGER_ORDERS)
    coin_ids = hourly["coin_id"].to_pylist()
    keys = hourly["coin_key"].to_pylist()
    sentiment = _values(hourly["mean_sentiment"])
    returns = _values(hourly["hourly_return"])
    starts = [0] + [i for i in range(1, len(coin_ids)) if coin_ids[i] != coin_ids[i - 1]]
    for start, end in zip(starts, [*starts[1:], len(coin_ids)], strict=True):
        s, r = sentiment[start:end], returns[start:end]
        multipliers = bootstrap_multipliers(end - start)
        for direction, (effect, cause) in zip(DIRECTIONS, ((r, s), (s, r)), strict=True):
            tests = granger_tests(effect, cause, multipliers=multipliers)
            rejected = granger_rejects(tests)
            for test in tests:
                rows.append(
                    {
                        "coin_key": keys[start],
                        "coin_id": coin_ids[start],
                        "direction": direction,
                        "lag_order": test.lag_order,
                        "n_observations": test.n_observations,
                        "lm_statistic": test.lm_statistic,
                        "df_num": test.df_num,
                        "p_value": test.p_value,
                        "block_hours": test.block_hours,
                        "is_significant": test.p_value is not None and test.p_value < cutoff,
                        "direction_is_significant": rejected,
                    }
                )
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def build_granger_mart(settings: Settings) -> int:
    """Recompute mart_sentiment_granger from the warehouse's hourly mart; returns its rows."""
    engine = open_engine(settings)
    with engine.reader() as reader:
        hourly = reader.arrow(
            "select coin_key, coin_id, mean_sentiment, "
            f"hourly_return from {reader.quote(SOURCE)} order by coin_id, hour_ts",
            batch_rows=500_000,
        ).read_all()
    with one_blas_thread():  # many small products: threads only wait on each other
        table = granger_table(hourly)
    engine.write_table(TABLE, table)
    return table.num_rows
