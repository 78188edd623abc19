"""The cheap "already done" check of a result file: it must agree with what
``update_partition`` would do (leave the file alone, or compute something)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from cryptopulse.enrich import store
from cryptopulse.lake import Lake

RESULT = "enrich/sentiment/v1/date=2024-06-01/demo_sentiment_2024-06-01.parquet"


def _posts(ids: list[str], source: str = "demo") -> pa.Table:
    return pa.table(
        {"source": [source] * len(ids), "post_id": ids, "text": [f"text {i}" for i in ids]}
    )


def _scores(posts: pa.Table) -> pa.Table:
    # Two rows for the first post: a mentions file has one row per (post, coin).
    doubled = pa.concat_tables([posts.slice(0, 1), posts])
    return doubled.select(store.KEY).append_column(
        "n", pa.array(range(doubled.num_rows), pa.int64())
    )


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(str(tmp_path / "lake"))


def _done_by_update(lake: Lake, posts: pa.Table, fingerprint: str) -> bool:
    """Whether a real update computed nothing and left the file as it was."""
    before = Path(lake.path(RESULT)).read_bytes()
    computed, _ = store.update_partition(lake, RESULT, posts, _scores, fingerprint)
    return computed == 0 and Path(lake.path(RESULT)).read_bytes() == before


def _check(lake: Lake, posts: pa.Table, fingerprint: str) -> bool:
    lake.write_parquet("raw/demo/posts/date=2024-06-01/demo_posts_2024-06-01.parquet", posts)
    found = store.distinct_post_keys(
        lake, "raw/demo/posts/date=2024-06-01/demo_posts_2024-06-01.parquet"
    )
    assert found is not None and found[1] == posts.num_rows
    return store.is_up_to_date(lake, RESULT, found[0], fingerprint)


@pytest.mark.parametrize(
    ("later", "fingerprint", "done"),
    [
        (["b", "a", "c"], "f1", True),  # the same posts in another order
        (["a", "b", "c", "c"], "f1", True),  # a repeated post
        (["a", "b"], "f1", False),  # a post gone: its results must be dropped
        (["a", "b", "c", "d"], "f1", False),  # a new post
        (["a", "b", "x"], "f1", False),  # as many posts, not the same
        (["a", "b", "c"], "f2", False),  # other inputs (coin list)
    ],
)
def test_the_check_agrees_with_a_real_update(
    lake: Lake, later: list[str], fingerprint: str, done: bool
) -> None:
    store.update_partition(lake, RESULT, _posts(["a", "b", "c"]), _scores, "f1")
    posts = _posts(later)
    assert _check(lake, posts, fingerprint) is done
    assert _done_by_update(lake, posts, fingerprint) is done


def test_a_missing_or_damaged_result_is_not_done(lake: Lake) -> None:
    posts = _posts(["a"])
    assert not _check(lake, posts, "")
    with lake.open_atomic(RESULT) as handle:
        handle.write(b"not parquet")
    assert not _check(lake, posts, "")


def test_posts_of_two_sources_out_of_order(lake: Lake) -> None:
    posts = pa.concat_tables([_posts(["b", "a"], "x"), _posts(["a"], "demo")])
    store.update_partition(lake, RESULT, posts, _scores, "")
    assert _check(lake, posts.slice(1), "") is False
    assert _check(lake, posts, "") is True
