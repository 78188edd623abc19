"""The X source against a fake X API v2 on loopback (``x_fake.py``).

Real parts throughout: the real client (``JsonApi``), source, cursors and lake, and the real
CLI in a subprocess; only X itself is replaced, by a local server that answers in X's shapes
(pages, expansions, partial errors, 400/401/403 refusals, rate-limit headers) and injects
the faults the real one shows. Waits go through an injected ``sleep`` that only records.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from cryptopulse.lake.land import Landing, land
from cryptopulse.sources import build_source
from cryptopulse.sources.http import AuthError, PlanLimitError
from cryptopulse.sources.x import PlanError, XSource, build_queries, build_x_source
from cryptopulse.sources.x.client import parse_page
from cryptopulse.sources.x.queries import XQuery
from x_fake import BROKEN_KINDS, SUSPENDED_USER, FakeX

TOKEN = "AAAAAAAAAAAAAAAAAAAAAFakeBearer%2Fs3cr3t%3Dx9Q7"
REVOKED = "AAAAAAAAAAAAAAAAAAAAARevokedBearer%2Fold%3Dk2"
TODAY = datetime.now(UTC).date()
REQUIRED_FIELDS = {
    "created_at",
    "author_id",
    "lang",
    "public_metrics",
    "conversation_id",
    "referenced_tweets",
    "entities",
}


class Sleeps(list[float]):
    """An injected ``sleep`` that records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(tokens=(TOKEN,)) as server:
        yield server


def x_settings(settings: Settings, fake: FakeX, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "lake_url": settings.lake_url,
        "warehouse_url": settings.warehouse_url,
        "x_bearer_token": TOKEN,
        "x_base_url": fake.base_url,
        "social_coins": "bitcoin,ethereum",
        "social_timeout_seconds": 2.0,
        "social_max_retries": 10,
        "social_backoff_seconds": 0.001,
    }
    values.update(overrides)
    return Settings(**values)


def extract(
    config: Settings, interval: Interval, now: Callable[[], datetime] | None = None
) -> tuple[list[Landing], XSource, Sleeps]:
    """Fetch and land ``interval`` as the pipeline does, with a recording ``sleep``."""
    sleeps = Sleeps()
    source = build_x_source(config, sleep=sleeps, now=now)
    landings = land(Lake(config.lake_url), source, interval)
    return landings, source, sleeps


def searches(fake: FakeX) -> list[dict[str, str]]:
    return [r.params for r in fake.requests if r.path.startswith("/2/tweets/search/")]


def raw_rows(lake_dir: Path, zone: str = "raw") -> dict[str, list[dict[str, Any]]]:
    """Every X posts file of ``zone``: name -> rows."""
    return {
        path.name: pq.read_table(path).to_pylist()
        for path in sorted((lake_dir / zone / "x" / "posts").glob("date=*/*.parquet"))
    }


def file_of(query: XQuery, day: date) -> str:
    return f"x_posts_{day.isoformat()}_{query.part}.parquet"


def lake_snapshot(lake_dir: Path) -> dict[str, Any]:
    """Every raw and quarantine file, as rows (what a rerun must leave unchanged)."""
    return {
        f"{zone}/{name}": rows
        for zone in ("raw", "quarantine")
        for name, rows in raw_rows(lake_dir, zone).items()
    }


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


# ---- a window lands exactly the fake's posts ------------------------------------------------
def test_a_window_lands_exactly_the_posts_x_has_for_those_days_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    per_day = {"BTC": 230, "ETH": 45}  # bitcoin needs three pages of 100

    def posts_per_day(query: str, day: date) -> int:
        return per_day["BTC" if "$BTC" in query else "ETH"]

    with FakeX(tokens=(TOKEN,), posts_per_day=posts_per_day) as fake:
        config = x_settings(settings, fake)
        days = Interval(TODAY - timedelta(days=3), TODAY - timedelta(days=1))
        landings, source, _ = extract(config, days)
        requests = searches(fake)
        headers = [r.headers for r in fake.requests]

    lake_dir = Path(config.lake_url)
    files = raw_rows(lake_dir)
    queries = build_queries(config)
    expected_total = 0
    for query in queries:
        for day in days.days():
            expected = {t.id for t in fake.expected(query.text, day)}
            rows = files[file_of(query, day)]
            ids = [r["post_id"] for r in rows]
            assert len(ids) == len(set(ids)) == len(expected)
            assert set(ids) == expected
            assert {r["collected_for"] for r in rows} == {query.collected_for}
            expected_total += len(expected)
    assert len(files) == len(queries) * len(days.days())
    [landing] = landings
    assert landing.rows_landed == expected_total and landing.rows_quarantined == 0

    # What was asked: X's fields and expansions, whole-day windows, pages by next_token.
    assert all(h.get("authorization") == f"Bearer {TOKEN}" for h in headers)
    for params in requests:
        assert set(params["tweet.fields"].split(",")) >= REQUIRED_FIELDS
        assert params["expansions"] == "author_id"
        assert set(params["user.fields"].split(",")) == {"username", "name"}
        assert params["max_results"] == "100"
        start = datetime.fromisoformat(params["start_time"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(params["end_time"].replace("Z", "+00:00"))
        assert end - start == timedelta(days=1) and start.hour == start.minute == 0
    paged = [p for p in requests if "next_token" in p]
    assert len(paged) == 2 * len(days.days())  # bitcoin's pages 2 and 3 of each day
    assert source.summary()["pages"] == len(requests)

    # Each post mapped from X's shape: author from includes.users, counts, full long text.
    day = days.start
    fake_posts = {t.id: t for t in fake.expected(queries[0].text, day)}
    rows = files[file_of(queries[0], day)]
    for row in rows:
        tweet = fake_posts[row["post_id"]]
        full = tweet.full
        metrics = full["public_metrics"]
        assert row["source"] == "x"
        assert row["created_at"] == tweet.created
        assert (row["likes"], row["reposts"], row["replies"], row["quotes"]) == (
            metrics["like_count"],
            metrics["retweet_count"],
            metrics["reply_count"],
            metrics["quote_count"],
        )
        assert row["language"] == full["lang"]
        assert row["text"] == full.get("note_tweet", {}).get("text", full["text"])
        raw = json.loads(row["raw"])
        assert raw["tweet"]["id"] == row["post_id"]
        if tweet.author == SUSPENDED_USER:  # not in includes: the partial-error shape
            assert row["author"] == full["author_id"] and raw["author"] is None
            assert row["url"] == f"https://x.com/i/web/status/{row['post_id']}"
        else:
            username = fake.user(tweet.author)["username"]
            assert row["author"] == username and raw["author"]["username"] == username
            assert row["url"] == f"https://x.com/{username}/status/{row['post_id']}"
    assert any(len(r["text"]) > 280 for r in rows), "long posts keep their full text"
    assert any(fake_posts[r["post_id"]].author == SUSPENDED_USER for r in rows)
    assert source.summary()["partial_errors"] > 0

    # The token is in no lake file (raw, quarantine, cursors) and in no log line.
    assert TOKEN.encode() not in all_bytes(lake_dir)
    assert TOKEN not in caplog.text


# ---- idempotence and cursors ---------------------------------------------------------------
def test_a_rerun_leaves_the_same_files_and_spends_no_quota(settings: Settings, fake: FakeX) -> None:
    config = x_settings(settings, fake)
    lake_dir = Path(config.lake_url)
    days = Interval(TODAY - timedelta(days=4), TODAY - timedelta(days=1))
    extract(config, days)
    first = lake_snapshot(lake_dir)
    calls = len(searches(fake))

    landings, source, _ = extract(config, days)  # the same window again
    assert lake_snapshot(lake_dir) == first
    assert len(searches(fake)) == calls, "days already landed are not fetched again"
    assert source.stats.days_already_landed == 2 * 3
    assert sum(item.rows_in for item in landings) == 0

    # The lake is the truth: a day whose file is gone is fetched again, the same.
    query = build_queries(config)[1]
    gone = next((lake_dir / "raw" / "x" / "posts").rglob(file_of(query, days.start)))
    gone.unlink()
    extract(config, days)
    assert lake_snapshot(lake_dir) == first
    assert len(searches(fake)) > calls

    # Without any cursor every day is fetched again, and the files come out identical.
    for cursor in (lake_dir / "state" / "cursors" / "x").glob("*.json"):
        cursor.unlink()
    extract(config, days)
    assert lake_snapshot(lake_dir) == first
    ids = Counter(r["post_id"] for rows in raw_rows(lake_dir).values() for r in rows)
    assert max(ids.values()) == 1, "no post landed twice"


def test_an_unfinished_day_lands_incrementally_without_overwriting_a_file(
    settings: Settings,
) -> None:
    yesterday = TODAY - timedelta(days=1)
    midnight = datetime(yesterday.year, yesterday.month, yesterday.day, tzinfo=UTC)
    clock = [midnight + timedelta(hours=12)]
    with FakeX(tokens=(TOKEN,), clock=lambda: clock[0], posts_per_day=lambda q, d: 160) as fake:
        config = x_settings(settings, fake, social_coins="bitcoin")
        [query] = build_queries(config)
        lake_dir = Path(config.lake_url)
        window = Interval(yesterday, TODAY)

        extract(config, window, now=lambda: clock[0])  # at noon: the day is not over
        noon = raw_rows(lake_dir)
        [(noon_file, noon_rows)] = noon.items()
        assert noon_file != file_of(query, yesterday), "a partial day has its own part"
        cutoff = clock[0] - timedelta(seconds=30)
        before_noon = {t.id for t in fake.day_posts(query.text, yesterday) if t.created < cutoff}
        assert {r["post_id"] for r in noon_rows} == before_noon

        clock[0] = midnight + timedelta(hours=18)  # the same day, later: only what is new
        extract(config, window, now=lambda: clock[0])
        last = searches(fake)[-1]
        newest_noon = max(before_noon, key=int)
        assert last["since_id"] == newest_noon and "start_time" not in last
        evening = raw_rows(lake_dir)
        assert evening[noon_file] == noon_rows, "the earlier file is left as it was"
        [(new_file, new_rows)] = [(k, v) for k, v in evening.items() if k != noon_file]
        cutoff = clock[0] - timedelta(seconds=30)
        expected_new = {
            t.id
            for t in fake.day_posts(query.text, yesterday)
            if int(t.id) > int(newest_noon) and t.created < cutoff
        }
        assert {r["post_id"] for r in new_rows} == expected_new and expected_new

        # The lake, not the cursor, says where to resume: a lost increment is fetched again.
        next(lake_dir.rglob(new_file)).unlink()
        extract(config, window, now=lambda: clock[0])
        assert raw_rows(lake_dir) == evening

        clock[0] = midnight + timedelta(days=1, minutes=10)  # the day is over: fetched whole
        extract(config, window, now=lambda: clock[0])
        final = raw_rows(lake_dir)
        whole = {r["post_id"] for r in final[file_of(query, yesterday)]}
        assert whole == {t.id for t in fake.day_posts(query.text, yesterday)}
        assert final[noon_file] == noon_rows and final[new_file] == new_rows
        assert {r["post_id"] for r in noon_rows + new_rows} <= whole

        calls = len(searches(fake))
        extract(config, window, now=lambda: clock[0])  # the daily rerun: nothing to do
        assert len(searches(fake)) == calls and raw_rows(lake_dir) == final


def test_the_page_limit_keeps_the_newest_posts_and_a_higher_limit_fetches_the_rest(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeX(tokens=(TOKEN,), posts_per_day=lambda q, d: 250) as fake:
        day = TODAY - timedelta(days=2)
        window = Interval(day, day + timedelta(days=1))
        config = x_settings(settings, fake, social_coins="bitcoin", x_max_pages=1)
        [query] = build_queries(config)
        _, source, _ = extract(config, window)
        rows = raw_rows(Path(config.lake_url))[file_of(query, day)]
        newest = sorted((t.id for t in fake.expected(query.text, day)), key=int)[-100:]
        assert sorted(r["post_id"] for r in rows) == sorted(newest)
        assert source.stats.days_capped == 1
        assert "CRYPTOPULSE_X_MAX_PAGES" in caplog.text

        calls = len(searches(fake))
        extract(config, window)  # same limit: the day is as complete as it will get
        assert len(searches(fake)) == calls

        extract(x_settings(settings, fake, social_coins="bitcoin", x_max_pages=5), window)
        rows = raw_rows(Path(config.lake_url))[file_of(query, day)]
        assert len(rows) == 250


# ---- faults ---------------------------------------------------------------------------------
def test_faults_are_retried_and_the_days_still_land_complete(settings: Settings) -> None:
    with FakeX(tokens=(TOKEN,), fault_rate=0.3, seed=11, reset_in=3) as fake:
        fake.script("429", "500", "503", "invalid-json", "truncated", "reset")
        config = x_settings(settings, fake)
        days = Interval(TODAY - timedelta(days=3), TODAY - timedelta(days=1))
        landings, source, sleeps = extract(config, days)
        faults = fake.faults()

    assert {"429", "500", "503", "invalid-json", "truncated", "reset"} <= set(faults)
    files = raw_rows(Path(config.lake_url))
    for query in build_queries(config):
        for day in days.days():
            ids = [r["post_id"] for r in files[file_of(query, day)]]
            assert sorted(ids) == sorted(t.id for t in fake.expected(query.text, day))
    api = source.summary()["api"]
    assert api["retries"] == sum(faults.values())
    assert api["rate_limited"] == faults["429"]
    # A 429 without Retry-After waits for x-rate-limit-reset (about 3 s away here).
    assert any(1.5 < s <= 4.5 for s in sleeps)
    assert landings[0].rows_quarantined == 0


def test_a_spent_rate_limit_window_waits_for_its_reset_before_the_next_call(
    settings: Settings,
) -> None:
    with FakeX(tokens=(TOKEN,), exhaust_after=2, reset_in=40) as fake:
        config = x_settings(settings, fake)
        days = Interval(TODAY - timedelta(days=3), TODAY - timedelta(days=1))
        _, source, sleeps = extract(config, days)
    assert any(35 < s <= 41 for s in sleeps), sleeps
    assert source.summary()["api"]["rate_limited"] == 0, "waited instead of being refused"
    files = raw_rows(Path(config.lake_url))
    assert sum(len(rows) for rows in files.values()) == sum(
        len(fake.expected(q.text, d)) for q in build_queries(config) for d in days.days()
    )


def test_records_with_missing_fields_are_quarantined_with_a_reason_never_dropped(
    settings: Settings,
) -> None:
    with FakeX(tokens=(TOKEN,), broken=True) as fake:
        config = x_settings(settings, fake, social_coins="bitcoin")
        day = TODAY - timedelta(days=2)
        [landing], _, _ = extract(config, Interval(day, day + timedelta(days=1)))
        [query] = build_queries(config)
        served = fake.expected(query.text, day, kind=None)

    assert landing.rows_in == len(served) == landing.rows_landed + landing.rows_quarantined
    assert landing.rows_quarantined == len(BROKEN_KINDS)
    assert landing.reasons == Counter(
        {
            "missing created_at": 1,
            "missing text": 1,
            "likes must be >= 0": 1,
            "unreadable post": 1,
        }
    )
    [quarantined] = raw_rows(Path(config.lake_url), "quarantine").values()
    by_reason = {r["reason"].split(" (got")[0]: r for r in quarantined}
    broken = {t.kind: t for t in served if t.kind != "ok"}
    assert by_reason["missing text"]["post_id"] == broken["no-text"].id
    assert by_reason["missing created_at"]["post_id"] == broken["no-created-at"].id
    assert (
        broken["not-an-object"].id in by_reason["unreadable post: a JSON str, not an object"]["raw"]
    )


# ---- refusals -------------------------------------------------------------------------------
def test_a_revoked_token_is_one_clear_error_without_the_token(
    settings: Settings, fake: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = x_settings(settings, fake, x_bearer_token=REVOKED)
    day = TODAY - timedelta(days=2)
    with pytest.raises(AuthError) as caught:
        extract(config, Interval(day, day + timedelta(days=1)))
    message = str(caught.value)
    assert "HTTP 401" in message and "CRYPTOPULSE_X_BEARER_TOKEN" in message
    assert (caught.value.service, caught.value.status) == ("X API", 401)
    assert REVOKED not in message, "the fake echoes the token; the message must not"
    assert REVOKED not in caplog.text
    assert len(fake.requests) == 1, "a bearer token cannot be refreshed: no retry"

    # An "expired" refusal in the middle of a run is the same single error.
    config = x_settings(settings, fake)
    fake.script("expired")
    with pytest.raises(AuthError, match="CRYPTOPULSE_X_BEARER_TOKEN"):
        extract(config, Interval(day, day + timedelta(days=1)))


def test_a_missing_token_names_the_variable_to_set(settings: Settings, fake: FakeX) -> None:
    for token in (None, "   "):
        config = x_settings(settings, fake, x_bearer_token=token)
        with pytest.raises(ValueError, match="CRYPTOPULSE_X_BEARER_TOKEN"):
            build_source("x", config)


def test_recent_search_skips_days_older_than_7_days_with_one_warning(
    settings: Settings, fake: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    config = x_settings(settings, fake)
    window = Interval(TODAY - timedelta(days=10), TODAY - timedelta(days=5))
    landings, source, _ = extract(config, window)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "7 days" in warnings[0].getMessage()
    assert "CRYPTOPULSE_X_SEARCH=all" in warnings[0].getMessage()
    assert source.stats.days_out_of_reach == 4 * 2  # days -10..-7, two queries
    assert {p["start_time"][:10] for p in searches(fake)} == {str(TODAY - timedelta(days=6))}
    files = raw_rows(Path(config.lake_url))
    assert {name.split("_")[2] for name in files} == {str(TODAY - timedelta(days=6))}
    assert landings[0].rows_landed > 0


def test_the_7_day_edge_by_xs_clock_is_a_skipped_day_not_a_failure(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Our clock says 23:55, X's says 00:05: X refuses the oldest day we think it still has.
    ours = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(minutes=5)
    with FakeX(tokens=(TOKEN,), clock=lambda: ours + timedelta(minutes=10)) as fake:
        config = x_settings(settings, fake, social_coins="bitcoin")
        edge = ours.date() - timedelta(days=6)
        window = Interval(edge, edge + timedelta(days=2))
        landings, source, _ = extract(config, window, now=lambda: ours)
    assert source.stats.days_out_of_reach == 1
    assert fake.requests[0].status == 400
    assert "7 days" in caplog.text
    assert landings[0].rows_landed == len(
        fake.expected(build_queries(config)[0].text, edge + timedelta(days=1))
    )


def test_full_archive_without_the_plan_says_to_use_recent_search(
    settings: Settings, fake: FakeX
) -> None:
    config = x_settings(settings, fake, x_search="all")
    day = TODAY - timedelta(days=30)
    with pytest.raises(PlanError) as caught:
        extract(config, Interval(day, day + timedelta(days=1)))
    message = str(caught.value)
    assert "HTTP 403" in message and "client-not-enrolled" in message
    assert "CRYPTOPULSE_X_SEARCH=recent" in message
    assert (caught.value.service, caught.value.status) == ("X API", 403)
    assert isinstance(caught.value, AuthError) and isinstance(caught.value, PlanLimitError)
    assert len(fake.requests) == 1


def test_full_archive_reaches_old_days_one_request_per_second(settings: Settings) -> None:
    with FakeX(tokens=(TOKEN,), plan="pro", posts_per_day=lambda q, d: 620) as fake:
        config = x_settings(settings, fake, x_search="all", social_coins="bitcoin")
        day = TODAY - timedelta(days=40)
        [landing], _, sleeps = extract(config, Interval(day, day + timedelta(days=1)))
        requests = searches(fake)
    assert [p["max_results"] for p in requests] == ["500", "500"]
    assert all(r.path == "/2/tweets/search/all" for r in fake.requests)
    assert landing.rows_landed == 620
    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 1.0, "paced at one request per second"


def test_a_200_answer_with_only_errors_is_an_empty_page_not_a_crash() -> None:
    error = {"title": "Not Found Error", "detail": "Could not find user with id: [1]."}
    page = parse_page({"errors": [error], "meta": {"result_count": 0}})
    assert page.tweets == [] and page.users == {} and page.next_token is None
    assert page.errors == [error]


# ---- queries --------------------------------------------------------------------------------
def test_coin_queries_ask_for_cashtag_hashtag_and_name_without_retweets(
    settings: Settings, fake: FakeX
) -> None:
    queries = build_queries(x_settings(settings, fake, social_coins="bitcoin,shiba-inu"))
    assert [q.collected_for for q in queries] == ["bitcoin", "shiba-inu"]
    btc, shib = (q.text for q in queries)
    for term in ("$BTC", "#Bitcoin", "Bitcoin", "-is:retweet", "lang:en"):
        assert term in btc
    assert '"Shiba Inu"' in shib and "#ShibaInu" in shib and "$SHIB" in shib

    explicit = build_queries(
        x_settings(settings, fake, x_queries=" $BTC -is:retweet ; #BTC -is:retweet;; ")
    )
    assert [q.text for q in explicit] == ["$BTC -is:retweet", "#BTC -is:retweet"]
    assert [q.collected_for for q in explicit] == [q.text for q in explicit]
    assert explicit[0].part != explicit[1].part, "queries that read alike keep their own files"

    with pytest.raises(ValueError, match="CRYPTOPULSE_X_QUERIES"):
        build_queries(x_settings(settings, fake, x_queries="bitcoin " * 80))
    with pytest.raises(ValueError, match="CRYPTOPULSE_SOCIAL_COINS"):
        build_queries(x_settings(settings, fake, social_coins="not-a-coin"))


# ---- the CLI, as a user runs it --------------------------------------------------------------
@pytest.mark.slow
def test_cryptopulse_extract_x_lands_posts_and_refusals_are_one_line(
    settings: Settings, fake: FakeX, tmp_path: Path
) -> None:
    env = {
        "CRYPTOPULSE_X_BASE_URL": fake.base_url,
        "CRYPTOPULSE_X_BEARER_TOKEN": TOKEN,
        "CRYPTOPULSE_SOCIAL_COINS": "bitcoin,ethereum",
        "CRYPTOPULSE_SOCIAL_BACKOFF_SECONDS": "0.01",
        "CRYPTOPULSE_SOCIAL_TIMEOUT_SECONDS": "5",
    }
    start = TODAY - timedelta(days=3)
    args = ["extract", "x", "--start", str(start), "--end", str(start + timedelta(days=2))]
    done = run_cli(args, settings, tmp_path, **env)
    assert done.returncode == 0, done.stderr
    lake_dir = Path(settings.lake_url)
    config = x_settings(settings, fake)
    expected = {
        t.id
        for q in build_queries(config)
        for d in (start, start + timedelta(days=1))
        for t in fake.expected(q.text, d)
    }
    landed = [r["post_id"] for rows in raw_rows(lake_dir).values() for r in rows]
    assert sorted(landed) == sorted(expected)
    record = json.loads((lake_dir / "state" / "last_run.json").read_text())
    [x_landing] = [item for item in record["landings"] if item["source"] == "x"]
    assert x_landing["rows_landed"] == len(expected)
    assert TOKEN not in done.stdout + done.stderr

    env["CRYPTOPULSE_X_BEARER_TOKEN"] = REVOKED
    refused = run_cli([*args[:3], str(TODAY - timedelta(days=1))], settings, tmp_path, **env)
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "Traceback" not in output and REVOKED not in output
    assert "CRYPTOPULSE_X_BEARER_TOKEN" in refused.stderr and "HTTP 401" in refused.stderr
    assert TOKEN.encode() not in all_bytes(lake_dir) and REVOKED.encode() not in all_bytes(lake_dir)
