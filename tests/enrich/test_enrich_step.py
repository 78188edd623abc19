"""The enrich step: results in the lake per post and model version, each post scored once."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc
import pytest

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store
from cryptopulse.enrich.sentiment import VaderScorer
from cryptopulse.enrich.step import enrich, versions
from cryptopulse.lake import Lake, layout
from cryptopulse.orchestrate import pipeline

DAYS = Interval(date(2024, 6, 1), date(2024, 6, 3))


@pytest.fixture
def landed(settings: Settings) -> Settings:
    small = settings.model_copy(update={"demo_posts_per_day": 300})
    pipeline.extract(small, DAYS)
    return small


def test_results_are_written_per_post_and_model_version(landed: Settings) -> None:
    report = enrich(landed, DAYS, workers=1)
    lake = Lake(landed.lake_url)
    posts = lake.count_rows(lake.glob(layout.dataset_glob(layout.RAW, "posts")))
    assert report.files == 2 and report.posts_scored == report.posts_seen == posts
    v = versions()
    sentiment = lake.glob(store.result_glob(store.SENTIMENT, v[store.SENTIMENT]))
    assert sentiment == [
        "enrich/sentiment/vader_crypto-3.3.2-crypto1/date=2024-06-01/demo_sentiment_2024-06-01.parquet",
        "enrich/sentiment/vader_crypto-3.3.2-crypto1/date=2024-06-02/demo_sentiment_2024-06-02.parquet",
    ]
    table = lake.read_parquet(sentiment[0])
    assert set(table["model_name"].to_pylist()) == {"vader_crypto"}
    assert set(table["model_version"].to_pylist()) == {"3.3.2-crypto1"}
    mentions = lake.glob(store.result_glob(store.MENTIONS, v[store.MENTIONS]))
    assert len(mentions) == 2
    resolved = lake.read_parquet(mentions[0])
    assert pc.count_distinct(resolved["post_id"]).as_py() == lake.count_rows(
        [layout.raw_file("demo", "posts", date(2024, 6, 1))]
    )  # every post is resolved, those naming no coin with a null coin_id


def test_a_rerun_scores_only_posts_not_yet_scored(landed: Settings) -> None:
    enrich(landed, DAYS, workers=1)
    again = enrich(landed, DAYS, workers=1)
    assert again.posts_seen > 0
    assert again.posts_scored == 0 and again.posts_resolved == 0 and again.texts_scored == 0

    # Drop 10 posts' scores from one file: the next run scores exactly those.
    lake = Lake(landed.lake_url)
    rel = lake.glob(store.result_glob(store.SENTIMENT, versions()[store.SENTIMENT]))[0]
    table = lake.read_parquet(rel)
    lake.write_parquet(rel, table.slice(10).replace_schema_metadata(table.schema.metadata))
    third = enrich(landed, DAYS, workers=1)
    assert third.posts_scored == 10 and third.posts_resolved == 0
    assert lake.read_parquet(rel).num_rows == table.num_rows

    # Another model version is scored on its own, beside the first.
    plain = enrich(landed, DAYS, scorer=VaderScorer(), workers=1)
    assert plain.posts_scored == plain.posts_seen
    assert lake.glob("enrich/sentiment/vader-3.3.2/*/*.parquet")


def test_the_coin_list_is_every_coin_ever_listed_as_its_latest_snapshot_says(
    settings: Settings,
) -> None:
    import pyarrow as pa

    from cryptopulse.core.datasets import COINS
    from cryptopulse.enrich.step import lake_coins

    lake = Lake(settings.lake_url)

    def snapshot(day: date, rows: list[tuple[str, str, str]]) -> None:
        ids, symbols, names = (list(column) for column in zip(*rows, strict=True))
        table = pa.table({"coin_id": ids, "symbol": symbols, "name": names}, schema=COINS.schema)
        lake.write_parquet(layout.raw_file("coingecko", "coins", day), table)

    for offset in range(40):  # a daily snapshot for weeks: bitcoin renamed on day 20
        day = date(2024, 3, 1 + offset) if offset < 31 else date(2024, 4, offset - 30)
        name = "Bitcoin" if offset < 20 else "Bitcoin (BTC)"
        rows = [("bitcoin", "btc", name), ("ethereum", "eth", "Ethereum")]
        if offset < 5:
            rows.append(("terra-luna", "luna", "Terra"))  # delisted after day 5
        snapshot(day, rows)

    coins = {coin.coin_id: coin for coin in lake_coins(lake)}
    assert set(coins) == {"bitcoin", "ethereum", "terra-luna"}
    assert coins["bitcoin"].name == "Bitcoin (BTC)"  # the latest snapshot wins
    assert coins["terra-luna"].symbol == "luna"  # kept from the snapshots that had it
