"""The lake: atomic writes, deterministic partitions, idempotent landing, local and S3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from cryptopulse.core.batch import Batch
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake, layout
from cryptopulse.lake.land import land
from cryptopulse.sources.base import Source
from cryptopulse.sources.demo import DemoSource

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TWO_DAYS = Interval(date(2024, 6, 1), date(2024, 6, 3))


def _fingerprint(lake: Lake) -> dict[str, str]:
    """Every file in the lake (but the run state) and a hash of its bytes."""
    out = {}
    if lake.is_s3:
        lake.fs.invalidate_cache()
    for path in lake.fs.find(lake.root):
        rel = lake.relative(path)
        if rel.startswith(layout.STATE):
            continue
        with lake.fs.open(path, "rb") as handle:
            out[rel] = hashlib.sha256(handle.read()).hexdigest()
    return out


def test_a_failed_write_leaves_the_previous_file_whole_and_no_debris(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    lake.write_parquet("raw/x/t.parquet", pa.table({"a": [1, 2, 3]}))
    with pytest.raises(RuntimeError), lake.open_atomic("raw/x/t.parquet") as handle:
        handle.write(b"half a parq")
        raise RuntimeError("crash mid-write")
    assert lake.read_parquet("raw/x/t.parquet")["a"].to_pylist() == [1, 2, 3]
    assert sorted(p.name for p in (tmp_path / "lake" / "raw" / "x").iterdir()) == ["t.parquet"]


def _s3_keys_and_open_uploads(endpoint: str, bucket: str) -> tuple[list[str], list[str]]:
    """The bucket's objects and unfinished multipart uploads, straight from the server."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    uploads = [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    return sorted(keys), uploads


def test_a_failed_s3_write_leaves_no_object_the_previous_one_whole_and_no_upload(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake(f"s3://{s3_bucket}/lake", s3_endpoint_url=s3_endpoint)
    schema = pa.schema([("a", pa.int64())])

    def one_batch_then_crash() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch([pa.array([1, 2, 3])], schema=schema)
        raise RuntimeError("source failed mid-stream")

    # A small file (would be a single PUT) that fails after its first batch: nothing appears.
    with pytest.raises(RuntimeError, match="mid-stream"):
        lake.write_parquet_batches("raw/x/new.parquet", schema, one_batch_then_crash())
    assert _s3_keys_and_open_uploads(s3_endpoint, s3_bucket) == ([], [])

    # A failed rewrite leaves the earlier complete version untouched.
    lake.write_parquet("raw/x/t.parquet", pa.table({"a": [7, 8]}))
    with pytest.raises(RuntimeError, match="mid-stream"):
        lake.write_parquet_batches("raw/x/t.parquet", schema, one_batch_then_crash())
    lake.fs.invalidate_cache()
    assert lake.read_parquet("raw/x/t.parquet")["a"].to_pylist() == [7, 8]

    # A file large enough to start a multipart upload: the upload is aborted, not completed.
    monkeypatch.setattr(lake.fs, "default_block_size", 5 * 2**20)  # S3's minimum part size
    with pytest.raises(KeyboardInterrupt), lake.open_atomic("raw/x/big.bin") as handle:
        handle.write(b"x" * (6 * 2**20))  # one part goes up before the interrupt
        raise KeyboardInterrupt
    assert _s3_keys_and_open_uploads(s3_endpoint, s3_bucket) == (["lake/raw/x/t.parquet"], [])

    # A write that succeeds still appears, complete.
    assert lake.write_parquet_batches("raw/x/new.parquet", schema, iter([])) == 0
    lake.write_json("raw/x/ok.json", {"ok": True})
    lake.fs.invalidate_cache()
    assert lake.read_json("raw/x/ok.json") == {"ok": True}
    assert lake.read_parquet("raw/x/new.parquet").num_rows == 0
    assert _s3_keys_and_open_uploads(s3_endpoint, s3_bucket)[1] == []


def test_partition_paths_are_deterministic_per_source_dataset_and_day() -> None:
    assert layout.raw_file("demo", "posts", date(2024, 1, 2)) == (
        "raw/demo/posts/date=2024-01-02/demo_posts_2024-01-02.parquet"
    )
    assert layout.quarantine_file("x", "coin_hourly", date(2024, 1, 2)).startswith(
        "quarantine/x/coin_hourly/date=2024-01-02/"
    )


def test_landing_twice_gives_the_same_files_bytes_and_rows(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    source = DemoSource(posts_per_day=300, bad_record_rate=0.02)
    first = land(lake, source, TWO_DAYS, now=NOW)
    before = _fingerprint(lake)
    second = land(lake, source, TWO_DAYS, now=NOW)
    assert _fingerprint(lake) == before
    assert [(x.dataset, x.rows_landed, x.rows_quarantined) for x in first] == [
        (x.dataset, x.rows_landed, x.rows_quarantined) for x in second
    ]
    posts = lake.glob(layout.dataset_glob(layout.RAW, "posts"))
    assert len(posts) == 2  # one file per day, not one per landing
    landed = {x.dataset: x for x in first}
    assert lake.count_rows(posts) == landed["posts"].rows_landed
    # Every generated record is either landed or quarantined, never lost.
    for item in first:
        assert item.rows_in == item.rows_landed + item.rows_quarantined
    assert landed["posts"].rows_quarantined > 0
    quarantined = lake.glob(layout.dataset_glob(layout.QUARANTINE, "posts"))
    assert lake.count_rows(quarantined) == landed["posts"].rows_quarantined


def test_market_stats_are_also_written_as_csv(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    land(lake, DemoSource(posts_per_day=10), TWO_DAYS, now=NOW)
    csvs = lake.glob("raw/demo/coin_hourly/*/*.csv")
    assert len(csvs) == 2
    header = (tmp_path / "lake" / csvs[0]).read_text().splitlines()[0]
    assert header.replace('"', "") == "coin_id,ts,price,market_cap,total_volume"


class OneDaySource(Source):
    """A fixture-backed source: the market rows it is given, for one day."""

    name = "fixture"

    def __init__(self, prices: list[float]) -> None:
        self.prices = prices

    def datasets(self) -> tuple[str, ...]:
        return ("coin_hourly",)

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        n = len(self.prices)
        rows = pa.table(
            {
                "coin_id": [f"coin-{i}" for i in range(n)],
                "ts": [datetime(2024, 6, 1, tzinfo=UTC)] * n,
                "price": self.prices,
            }
        )
        yield Batch("coin_hourly", interval.start, rows)


def test_relanding_clean_data_removes_a_stale_quarantine_file(tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))
    day = Interval(date(2024, 6, 1), date(2024, 6, 2))
    (first,) = land(lake, OneDaySource([1.0, -1.0]), day, now=NOW)
    assert first.rows_quarantined == 1
    assert lake.glob(layout.dataset_glob(layout.QUARANTINE, "coin_hourly"))
    (second,) = land(lake, OneDaySource([1.0, 2.0]), day, now=NOW)
    assert second.rows_quarantined == 0
    assert lake.glob(layout.dataset_glob(layout.QUARANTINE, "coin_hourly")) == []
    assert lake.count_rows(lake.glob(layout.dataset_glob(layout.RAW, "coin_hourly"))) == 2


def test_s3_lake_lands_the_same_content_as_a_local_one(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    source = DemoSource(posts_per_day=200, bad_record_rate=0.02)
    local = Lake(str(tmp_path / "lake"))
    remote = Lake(f"s3://{s3_bucket}/lake", s3_endpoint_url=s3_endpoint)
    land(local, source, TWO_DAYS, now=NOW)
    land(remote, source, TWO_DAYS, now=NOW)
    assert _fingerprint(remote) == _fingerprint(local)
    assert remote.uri("raw").startswith(f"s3://{s3_bucket}/lake/")
    land(remote, source, TWO_DAYS, now=NOW)  # a rerun overwrites on S3 too
    assert _fingerprint(remote) == _fingerprint(local)
