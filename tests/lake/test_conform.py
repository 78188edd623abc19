"""Bad input never crashes the landing and never vanishes: it is quarantined and counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from cryptopulse.core.datasets import COIN_HOURLY, MAX_TEXT_CHARS, POSTS
from cryptopulse.lake.conform import REASON, conform

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _posts(**columns: Any) -> pa.Table:
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {
        "source": ["demo"] * n,
        "post_id": [str(i) for i in range(n)],
        "created_at": ["2024-06-01T12:00:00Z"] * n,
        "text": ["gm $BTC"] * n,
    }
    base.update(columns)
    return pa.table(base)


def _reasons_by_id(result_table: pa.Table, key: str = "post_id") -> dict[Any, Any]:
    return dict(zip(result_table[key].to_pylist(), result_table[REASON].to_pylist(), strict=True))


def test_good_records_are_typed_to_the_schema() -> None:
    result = conform(_posts(likes=["3", "4"]), POSTS, now=NOW)
    assert result.rejected.num_rows == 0
    assert result.valid.schema == POSTS.schema
    assert result.valid["likes"].to_pylist() == [3, 4]
    assert result.valid["created_at"][0].as_py() == datetime(2024, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("column", "values", "bad_index", "reason"),
    [
        ("text", ["fine", None], 1, "missing text"),
        ("text", ["fine", "   "], 1, "missing text"),
        ("created_at", ["2024-06-01T12:00:00Z", "yesterday-ish"], 1, "unparseable created_at"),
        ("created_at", ["2024-06-01T12:00:00Z", "2031-01-01T00:00:00Z"], 1, "in the future"),
        ("likes", [1, -5], 1, "likes must be >= 0"),
        ("likes", ["1", "lots"], 1, "unparseable likes"),
        ("text", ["fine", "x" * (MAX_TEXT_CHARS + 1)], 1, "text longer than"),
        ("post_id", ["7", "7"], 1, "duplicate key (source, post_id)"),
    ],
)
def test_each_kind_of_bad_record_is_quarantined_with_its_reason(
    column: str, values: list[object], bad_index: int, reason: str
) -> None:
    table = _posts(**{column: values})
    result = conform(table, POSTS, now=NOW)
    assert result.valid.num_rows == 1
    assert result.rejected.num_rows == 1
    assert reason in result.rejected[REASON][0].as_py()
    assert sum(result.reasons.values()) == 1
    assert result.rows_in == table.num_rows


def test_invalid_utf8_is_quarantined_with_the_bytes_kept_visible() -> None:
    text = pa.array([b"gm", b"caf\xe9 \xff"], type=pa.binary())
    result = conform(_posts(text=text.to_pylist()).set_column(3, "text", text), POSTS, now=NOW)
    assert result.valid["text"].to_pylist() == ["gm"]
    assert result.rejected[REASON][0].as_py() == "invalid UTF-8 in text"
    assert result.rejected["text"][0].as_py() == "caf\\xe9 \\xff"


def test_a_missing_required_column_rejects_every_row_and_says_which() -> None:
    table = pa.table({"coin_id": ["bitcoin"], "price": [1.0]})
    result = conform(table, COIN_HOURLY, now=NOW)
    assert result.valid.num_rows == 0
    assert result.rejected[REASON].to_pylist() == ["missing ts"]


def test_prices_must_be_positive_and_finite() -> None:
    table = pa.table(
        {
            "coin_id": ["a", "b", "c", "d"],
            "ts": ["2024-06-01T00:00:00Z"] * 4,
            "price": [1.0, 0.0, -2.5, float("nan")],
        }
    )
    result = conform(table, COIN_HOURLY, now=NOW)
    assert result.valid["coin_id"].to_pylist() == ["a"]
    reasons = _reasons_by_id(result.rejected, "coin_id")
    assert reasons == {
        "b": "price must be > 0 (got 0)",
        "c": "price must be > 0 (got -2.5)",
        "d": "price is not a finite number",
    }


def test_naive_and_offset_timestamps_are_read_as_utc() -> None:
    table = pa.table(
        {
            "coin_id": ["a", "b"],
            "ts": ["2024-06-01 03:00:00", "2024-06-01T05:00:00+02:00"],
            "price": [1.0, 2.0],
        }
    )
    result = conform(table, COIN_HOURLY, now=NOW)
    assert [t.as_py() for t in result.valid["ts"]] == [datetime(2024, 6, 1, 3, tzinfo=UTC)] * 2


def test_every_row_is_accounted_for_in_a_messy_batch() -> None:
    table = _posts(
        post_id=["1", "2", "2", "3", "4", "5"],
        text=["ok", "ok", "ok", None, "y" * 20_000, "ok"],
        created_at=["2024-01-01T00:00:00Z"] * 5 + ["not a date"],
        likes=[0, 1, 1, 2, 3, -1],
    )
    result = conform(table, POSTS, now=NOW)
    assert result.valid["post_id"].to_pylist() == ["1", "2"]
    assert result.rejected.num_rows == 4
    assert result.valid.num_rows + result.rejected.num_rows == table.num_rows
    assert sum(result.reasons.values()) == 4
