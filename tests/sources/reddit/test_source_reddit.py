"""The Reddit source against a fake Reddit on loopback: OAuth tokens, listings, the lake.

Every test uses tiny retry backoff and an injected ``sleep`` (waits are recorded, not
slept), so faults, 429s and quota resets cost no time.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
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
from cryptopulse.sources.http import ApiError, ApiHooks, AuthError, JsonApi
from cryptopulse.sources.reddit import build_reddit_source, parse_subreddits
from cryptopulse.sources.reddit.auth import BasicAuth, Credentials, RedditAuth
from cryptopulse.sources.reddit.source import RedditSource
from reddit_fake import DAY, FakeReddit, epoch, sort_time

FIRST = date(2024, 6, 1)
WINDOW = Interval(date(2024, 6, 2), date(2024, 6, 4))  # the fake's 2nd and 3rd days
USER_AGENT = "python:cryptopulse-tests:v1 (by /u/tester)"


def reddit_settings(tmp_path: Path, fake: FakeReddit, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "lake_url": str(tmp_path / "lake"),
        "warehouse_url": str(tmp_path / "warehouse.duckdb"),
        "reddit_client_id": fake.client_id,
        "reddit_client_secret": fake.client_secret,
        "reddit_base_url": fake.url,
        "reddit_auth_url": fake.url,
        "reddit_subreddits": "Bitcoin,ethereum",
        "reddit_user_agent": USER_AGENT,
        "social_timeout_seconds": 2.0,
        "social_max_retries": 6,
        "social_backoff_seconds": 0.0,
    }
    values.update(extra)
    return Settings(**values)


def make_source(
    settings: Settings,
    waits: list[float] | None = None,
    clock: Callable[[], datetime] | None = None,
    token_clock: Callable[[], float] | None = None,
) -> RedditSource:
    options: dict[str, Any] = {"sleep": (waits if waits is not None else []).append}
    if clock is not None:
        options["clock"] = clock
    if token_clock is not None:
        options["token_clock"] = token_clock
    return build_reddit_source(settings, **options)


def land_window(
    settings: Settings, interval: Interval = WINDOW, **options: Any
) -> tuple[RedditSource, list[Landing]]:
    source = make_source(settings, **options)
    lake = Lake(settings.lake_url)
    return source, land(lake, source, interval)


def raw_files(settings: Settings, zone: str = "raw") -> dict[str, list[dict[str, Any]]]:
    """Every Parquet file of ``zone``/reddit: relative path -> rows."""
    root = Path(settings.lake_url)
    return {
        str(p.relative_to(root)): pq.read_table(p).to_pylist()
        for p in sorted((root / zone / "reddit").rglob("*.parquet"))
    }


def file_bytes(settings: Settings) -> dict[str, bytes]:
    root = Path(settings.lake_url)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def raw_path(day: date, part: str) -> str:
    return f"raw/reddit/posts/date={day}/reddit_posts_{day}_{part}.parquet"


def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {r["post_id"] for r in rows}


def expected_landed(fake: FakeReddit, sub: str, kind: str, day: date) -> set[str]:
    """The fake's things of that day, minus those planted to be quarantined."""
    quarantined = {s.key for s in fake.specials if s.quarantine}
    return fake.fullnames(sub, kind, [day]) - quarantined


# ---- a window lands exactly once ----------------------------------------------------------
def test_a_window_lands_exactly_the_fakes_things_of_those_days_once(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path, fake)
        source, landings = land_window(settings)
        files = raw_files(settings)

        expected_files = {
            raw_path(day, f"{sub.lower()}-{kind}")
            for day in WINDOW.days()
            for sub in ("Bitcoin", "ethereum")
            for kind in ("posts", "comments")
        }
        assert set(files) == expected_files
        for day in WINDOW.days():
            for sub in ("Bitcoin", "ethereum"):
                for kind, name in (("t3", "posts"), ("t1", "comments")):
                    rows = files[raw_path(day, f"{sub.lower()}-{name}")]
                    assert ids(rows) == expected_landed(fake, sub, kind, day)
                    assert len(rows) == len(ids(rows))
                    assert {r["collected_for"] for r in rows} == {f"r/{sub}"}
                    assert all(r["created_at"].date() == day for r in rows)
        every = [r["post_id"] for rows in files.values() for r in rows]
        assert len(every) == len(set(every))  # no post twice

        # The edges: 00:00:00 of the first day is in, 23:59:59 of the day before is not.
        first_second = epoch(WINDOW.start)
        landed_times = {r["created_at"].timestamp() for rows in files.values() for r in rows}
        assert first_second in landed_times
        assert first_second - 1 not in landed_times
        assert epoch(WINDOW.end) not in landed_times

        (posts,) = landings
        assert posts.rows_in == posts.rows_landed + posts.rows_quarantined
        things_in_window = sum(
            1
            for listing in fake.things.values()
            for t in listing
            if epoch(WINDOW.start) <= sort_time(t) < epoch(WINDOW.end)
        )
        assert posts.rows_in == things_in_window
        assert posts.reasons == Counter(
            {
                "missing text": 1,
                "missing post_id": 1,
                "missing created_at": 1,
                "removed on Reddit": 1,
            }
        )
        assert source.stats.listing_limits == 0


def test_posts_and_comments_are_mapped_as_documented(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path, fake, reddit_subreddits="Bitcoin")
        land_window(settings)
        day = FIRST + timedelta(days=1)
        posts = {r["post_id"]: r for r in raw_files(settings)[raw_path(day, "bitcoin-posts")]}
        comments = {r["post_id"]: r for r in raw_files(settings)[raw_path(day, "bitcoin-comments")]}
        things = {
            t["data"]["name"]: t["data"]
            for listing in fake.things.values()
            for t in listing
            if "name" in t["data"]
        }

        for post_id, row in posts.items():
            data = things[post_id]
            assert post_id.startswith("t3_")
            text = data["title"] + ("\n\n" + data["selftext"] if data["selftext"] else "")
            if data["author"] != "[deleted]":
                assert row["text"] == text
                assert row["author"] == data["author"]
            assert row["created_at"] == datetime.fromtimestamp(data["created_utc"], UTC)
            assert row["likes"] == data["score"]
            assert row["replies"] == data["num_comments"]
            assert row["reposts"] == data["num_crossposts"]
            assert row["quotes"] is None and row["language"] is None
            assert row["url"] == "https://www.reddit.com" + data["permalink"]
            assert json.loads(row["raw"]) == data  # the original thing, untouched
        for post_id, row in comments.items():
            data = things[post_id]
            assert post_id.startswith("t1_")
            assert row["text"] == data["body"]
            assert row["likes"] == max(0, data["score"])
            assert row["replies"] is None and row["reposts"] is None

        by_key = {s.key: s for s in fake.specials}
        deleted = next(k for k, s in by_key.items() if k in posts and s.quarantine is None)
        assert posts[deleted]["author"] is None  # "[deleted]" account
        assert posts[deleted]["text"] == things[deleted]["title"]  # "[removed]" body left out
        downvoted = next(k for k, s in by_key.items() if k in comments and s.quarantine is None)
        assert things[downvoted]["score"] < 0 and comments[downvoted]["likes"] == 0

        quarantine = raw_files(settings, "quarantine")
        reasons = {r["reason"].split(": ")[0]: r for rows in quarantine.values() for r in rows}
        assert set(reasons) == {
            "missing text",
            "missing post_id",
            "missing created_at",
            "removed on Reddit",
        }
        assert json.loads(reasons["removed on Reddit"]["raw"])["body"] == "[removed]"
        # The thing without a time is quarantined with the day it is listed among.
        timeless = next(s for s in fake.specials if s.quarantine == "missing created_at")
        assert any(
            timeless.key in json.dumps(rows) and str(timeless.day) in path
            for path, rows in quarantine.items()
        )


def test_odd_things_are_quarantined_with_their_reason_never_dropped(tmp_path: Path) -> None:
    with FakeReddit(
        ("ethereum", "Bitcoin"), first_day=FIRST, days=2, posts_per_day=3, comments_per_day=2
    ) as fake:
        day = FIRST + timedelta(days=1)
        noon = epoch(day, 12 * 3600)
        fake.add({"kind": "t3", "data": "not an object", "_sort": noon}, "Bitcoin")
        fake.add(fake.make_comment("Bitcoin", noon + 1), kind="t3")  # a comment among posts
        fake.add(fake.make_post("Bitcoin", noon + 2, score="lots"))
        in_ms = fake.make_post("Bitcoin", noon + 3, created_utc=(noon + 3) * 1000, _sort=noon)
        fake.add(in_ms)
        settings = reddit_settings(
            tmp_path, fake, reddit_subreddits="Bitcoin", reddit_comments=False
        )
        _, (posts,) = land_window(settings, Interval(day, day + timedelta(days=1)))
    assert posts.rows_in == posts.rows_landed + posts.rows_quarantined == 3 + 4
    assert posts.files == 1  # the thing stamped in milliseconds did not land in 1970
    assert posts.reasons == Counter(
        {
            "unreadable thing": 1,
            "unexpected kind": 1,
            "unparseable likes": 1,
            "unparseable created_at": 1,
        }
    )


def test_requests_carry_the_token_user_agent_and_listing_parameters(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path, fake)
        land_window(settings)
        (token_call,) = fake.token_requests()
        assert token_call.form() == {"grant_type": "client_credentials"}
        data = fake.data_requests()
        assert {r.path for r in data} == {
            "/r/Bitcoin/new",
            "/r/Bitcoin/comments",
            "/r/ethereum/new",
            "/r/ethereum/comments",
        }
        token = fake.tokens_issued[0]
        for request in [*data, token_call]:
            assert request.headers["user-agent"] == USER_AGENT
        for request in data:
            assert request.headers["authorization"] == f"bearer {token}"
            assert request.params["limit"] == "100" and request.params["raw_json"] == "1"
        # Paging stops at the first page that reaches past the window's start: no page is
        # ever asked for after a thing older than the start.
        created = {
            t["data"]["name"]: sort_time(t)
            for listing in fake.things.values()
            for t in listing
            if "name" in t["data"]
        }
        afters = [r.params["after"] for r in data if "after" in r.params]
        assert afters, "the fake's days need more than one page"
        assert all(created[a] >= epoch(WINDOW.start) for a in afters)


def test_rerunning_a_window_leaves_identical_files(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path, fake)
        land_window(settings)
        first = file_bytes(settings)
        land_window(settings)
        assert file_bytes(settings) == first
        assert any("quarantine/" in path for path in first)


# ---- tokens ---------------------------------------------------------------------------------
def test_the_token_is_fetched_once_then_again_when_reddit_says_it_expired(
    tmp_path: Path,
) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path, fake)
        land_window(settings)
        assert len(fake.token_requests()) == 1
        assert len(fake.data_requests()) > 4
        baseline = raw_files(settings)

    with FakeReddit(first_day=FIRST, days=4) as fake:
        settings = reddit_settings(tmp_path / "expired", fake)
        fake.script("expired", path_contains="/comments")
        land_window(settings)
        assert len(fake.token_requests()) == 2
        refused = next(i for i, r in enumerate(fake.requests) if r.fault == "expired")
        after = [r for r in fake.requests[refused + 1 :] if r.path.startswith("/r/")]
        assert all(r.headers["authorization"] == f"bearer {fake.tokens_issued[1]}" for r in after)
        assert raw_files(settings) == baseline


def test_a_token_is_renewed_before_it_runs_out(tmp_path: Path) -> None:
    with FakeReddit(expires_in=3600) as fake:
        now = [1_000_000.0]
        credentials = Credentials(fake.client_id, fake.client_secret)
        hooks = ApiHooks(auth=BasicAuth(credentials))
        token_api = JsonApi("Reddit token endpoint", fake.url, hooks)
        auth = RedditAuth(credentials, token_api, clock=lambda: now[0])
        first = auth.headers()
        now[0] += 3000  # still well within the hour
        assert auth.headers() == first
        now[0] += 560  # 40 s left: renewed before a call can be refused
        second = auth.headers()
        assert second != first
        assert second == {"Authorization": f"bearer {fake.tokens_issued[1]}"}
        assert len(fake.token_requests()) == 2
        assert not fake.data_requests()


def test_a_wrong_secret_is_one_clear_error_without_retries(tmp_path: Path) -> None:
    with FakeReddit() as fake:
        settings = reddit_settings(tmp_path, fake, reddit_client_secret="wrong-secret-value")
        with pytest.raises(AuthError) as caught:
            land_window(settings)
        message = str(caught.value)
        assert "401" in message and "CRYPTOPULSE_REDDIT_CLIENT_SECRET" in message
        assert "wrong-secret-value" not in message and fake.client_secret not in message
        assert (caught.value.service, caught.value.status) == ("Reddit token endpoint", 401)
        assert len(fake.token_requests()) == 1
        assert not fake.data_requests()


def test_a_wrong_password_names_the_username_and_password_settings(tmp_path: Path) -> None:
    with FakeReddit(username="cp_bot", password="right-pass-123") as fake:
        settings = reddit_settings(
            tmp_path, fake, reddit_username="cp_bot", reddit_password="wrong-pass-456"
        )
        with pytest.raises(AuthError) as caught:
            land_window(settings)
        message = str(caught.value)
        assert "CRYPTOPULSE_REDDIT_PASSWORD" in message and "invalid_grant" in message
        assert "wrong-pass-456" not in message

        settings = reddit_settings(
            tmp_path, fake, reddit_username="cp_bot", reddit_password="right-pass-123"
        )
        land_window(settings)
        assert fake.token_requests()[-1].form() == {
            "grant_type": "password",
            "username": "cp_bot",
            "password": "right-pass-123",
        }
        assert raw_files(settings)


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({"reddit_client_id": None, "reddit_client_secret": None}, ["_CLIENT_ID", "_SECRET"]),
        ({"reddit_client_secret": ""}, ["CRYPTOPULSE_REDDIT_CLIENT_SECRET"]),
        ({"reddit_username": "someone"}, ["CRYPTOPULSE_REDDIT_PASSWORD"]),
        ({"reddit_subreddits": "Bitcoin, not a sub"}, ["CRYPTOPULSE_REDDIT_SUBREDDITS"]),
        ({"reddit_subreddits": " , "}, ["CRYPTOPULSE_REDDIT_SUBREDDITS"]),
    ],
)
def test_configuration_mistakes_name_the_setting(
    tmp_path: Path, extra: dict[str, Any], names: list[str]
) -> None:
    with FakeReddit() as fake:
        settings = reddit_settings(tmp_path, fake, **extra)
        with pytest.raises(ValueError) as caught:
            build_source("reddit", settings)
        for name in names:
            assert name in str(caught.value)
        assert not fake.requests


def test_subreddit_names_are_parsed_leniently() -> None:
    assert parse_subreddits("r/Bitcoin, CryptoCurrency ,/r/bitcoin/,") == [
        "Bitcoin",
        "CryptoCurrency",
    ]


# ---- faults, quotas, refusals ---------------------------------------------------------------
@pytest.mark.slow
def test_faults_are_retried_and_the_result_is_still_complete(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        baseline_settings = reddit_settings(tmp_path / "clean", fake)
        land_window(baseline_settings)
        baseline = raw_files(baseline_settings)

        settings = reddit_settings(tmp_path / "faulty", fake)
        fake.script("503", path_contains="/access_token")
        fake.script("429", "500", "503", "invalid-json", "truncated", "reset", path_contains="/r/")
        waits: list[float] = []
        source, _ = land_window(settings, waits=waits)
        assert raw_files(settings) == baseline
        summary = source.summary()
        assert summary["api"]["retries"] == 6 and summary["api"]["rate_limited"] == 1
        assert summary["tokens_fetched"] == 1  # the token endpoint's 503 was retried
        # The 429 carried no Retry-After: its X-Ratelimit-Reset (3 s) was waited for.
        assert any(2.9 <= w <= 3.5 for w in waits)


@pytest.mark.slow
def test_random_faults_on_a_third_of_calls_still_land_everything(tmp_path: Path) -> None:
    every_day = Interval(FIRST, FIRST + timedelta(days=4))
    with FakeReddit(first_day=FIRST, days=4) as fake:
        clean = reddit_settings(tmp_path / "clean", fake)
        land_window(clean, every_day)
    with FakeReddit(first_day=FIRST, days=4, fault_rate=0.3, seed=1) as fake:
        settings = reddit_settings(tmp_path / "faulty", fake, social_max_retries=10)
        land_window(settings, every_day, waits=[])
        assert sum(fake.faults().values()) >= 5
        assert raw_files(settings) == raw_files(clean)


def test_a_spent_quota_waits_for_its_reset(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4, quota=3, quota_reset=120) as fake:
        settings = reddit_settings(tmp_path, fake)
        waits: list[float] = []
        source, _ = land_window(settings, waits=waits)
        resets = [w for w in waits if 100 <= w <= 121]
        assert resets, waits
        assert len(resets) == (len(fake.data_requests()) - 1) // 3  # after every 3rd call
        assert source.client.api.stats.rate_limited == 0
        assert raw_files(settings)


def test_private_and_unknown_subreddits_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with FakeReddit(first_day=FIRST, days=4, private=("secretclub",)) as fake:
        settings = reddit_settings(tmp_path, fake, reddit_subreddits="secretclub,Bitcoin,nosuchsub")
        source, _ = land_window(settings)
        assert set(source.stats.skipped_subreddits) == {"secretclub", "nosuchsub"}
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("r/secretclub" in m and "403" in m for m in warned)
        assert any("r/nosuchsub" in m and "404" in m for m in warned)
        assert {p.split("_")[-1] for p in raw_files(settings)} == {
            "bitcoin-posts.parquet",
            "bitcoin-comments.parquet",
        }

        settings = reddit_settings(tmp_path / "none", fake, reddit_subreddits="nosuchsub")
        with pytest.raises(ApiError, match="CRYPTOPULSE_REDDIT_SUBREDDITS"):
            land_window(settings)


# ---- the ~1000-thing listing limit ------------------------------------------------------------
@pytest.mark.slow
def test_a_listing_that_ends_early_warns_once_per_subreddit_and_lands_a_partial_day(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # 1,200 posts and 1,200 comments, of which Reddit's listings serve the newest 1,000.
    with FakeReddit(first_day=FIRST, days=4, posts_per_day=300, comments_per_day=300) as fake:
        settings = reddit_settings(tmp_path, fake, reddit_subreddits="ethereum")
        interval = Interval(FIRST, FIRST + timedelta(days=4))
        source, landings = land_window(settings, interval)

        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1
        assert "r/ethereum" in warned[0] and "1000" in warned[0]
        assert source.stats.listing_limits == 2  # posts and comments both ended early
        assert len(fake.data_requests()) == 2 * 10  # 10 pages of 100, then the listing ends
        # The warning says how far back each listing reached: its 1000th newest thing.
        for kind in ("t3", "t1"):
            oldest = fake.things[("ethereum", kind)][999]["data"]["created_utc"]
            reach = datetime.fromtimestamp(oldest, UTC).strftime("%Y-%m-%d %H:%M UTC")
            assert reach in warned[0]

        files = raw_files(settings)
        landed = {r["post_id"] for rows in files.values() for r in rows}
        reachable = {
            t["data"]["name"]
            for kind in ("t3", "t1")
            for t in fake.things[("ethereum", kind)][:1000]
        }
        assert landed == reachable
        # Days seen from their first second are whole; the day the listing ends in is a
        # part named after the time it was seen from; nothing older is landed at all.
        comments_oldest = fake.things[("ethereum", "t1")][999]["data"]["created_utc"]
        cut = datetime.fromtimestamp(comments_oldest, UTC)
        partial = raw_path(cut.date(), f"ethereum-comments-from-{cut:%H%M%S}")
        assert partial in files
        assert raw_path(cut.date(), "ethereum-comments") not in files
        assert landings[0].rows_in == len(reachable)


def test_a_day_landed_whole_is_never_replaced_by_less(tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4, posts_per_day=60, comments_per_day=60) as fake:
        settings = reddit_settings(tmp_path, fake, reddit_subreddits="ethereum")
        day = Interval(FIRST + timedelta(days=2), FIRST + timedelta(days=3))
        land_window(settings, day)
        before = file_bytes(settings)
        assert len(before) == 2

        fake.listing_cap = 80  # later, the day is only partly within the listing's reach
        source, _ = land_window(settings, day)
        assert source.stats.listing_limits == 2
        assert source.stats.partial_days_skipped == 2
        assert file_bytes(settings) == before


# ---- incremental fetches of today -----------------------------------------------------------
def test_fetches_of_today_stop_at_the_cursor_and_never_shrink_a_file(tmp_path: Path) -> None:
    today = FIRST + timedelta(days=2)
    with FakeReddit(first_day=FIRST, days=2, posts_per_day=30) as fake:
        for minute in range(0, 12 * 60, 20):  # today, up to noon
            fake.add(fake.make_post("Bitcoin", epoch(today, minute * 60 + 7)))
        settings = reddit_settings(
            tmp_path, fake, reddit_subreddits="Bitcoin", reddit_comments=False
        )
        at = [datetime(2024, 6, 3, 12, 0, tzinfo=UTC)]
        todays = Interval(today, today + timedelta(days=1))
        land_window(settings, todays, clock=lambda: at[0])
        morning = raw_path(today, "bitcoin-posts-from-000000")
        files = raw_files(settings)
        assert set(files) == {morning}
        assert ids(files[morning]) == fake.fullnames("Bitcoin", "t3", [today])
        morning_bytes = file_bytes(settings)[morning]

        newest = max(r["created_at"] for r in files[morning])
        for minute in range(12 * 60, 13 * 60, 10):
            fake.add(fake.make_post("Bitcoin", epoch(today, minute * 60 + 3)))
        at[0] = datetime(2024, 6, 3, 13, 0, tzinfo=UTC)
        pages_before = len(fake.data_requests())
        source, _ = land_window(settings, todays, clock=lambda: at[0])
        assert len(fake.data_requests()) - pages_before == 1  # stopped at the cursor
        assert source.stats.incremental == 1
        files = raw_files(settings)
        noon = raw_path(today, f"bitcoin-posts-from-{newest:%H%M%S}")
        assert set(files) == {morning, noon}
        assert file_bytes(settings)[morning] == morning_bytes  # untouched
        assert {r["created_at"] for r in files[noon]} == {
            r_time for r_time in _times(fake, today) if r_time >= newest
        }
        assert ids(files[morning]) | ids(files[noon]) == fake.fullnames("Bitcoin", "t3", [today])

        # The cursor's files gone: the next fetch of today pages back to the day's start.
        (Path(settings.lake_url) / noon).unlink()
        source, _ = land_window(settings, todays, clock=lambda: at[0])
        assert source.stats.incremental == 0
        assert ids(raw_files(settings)[morning]) == fake.fullnames("Bitcoin", "t3", [today])

        # Once the day has ended it is fetched and landed whole, whatever the cursor says.
        at[0] = datetime(2024, 6, 4, 1, 0, tzinfo=UTC)
        source, _ = land_window(settings, todays, clock=lambda: at[0])
        assert source.stats.incremental == 0
        whole = raw_files(settings)[raw_path(today, "bitcoin-posts")]
        assert ids(whole) == fake.fullnames("Bitcoin", "t3", [today])


def _times(fake: FakeReddit, day: date) -> list[datetime]:
    lo = epoch(day)
    return [
        datetime.fromtimestamp(t["data"]["created_utc"], UTC)
        for t in fake.things[("bitcoin", "t3")]
        if lo <= t["data"]["created_utc"] < lo + DAY
    ]


# ---- secrets -------------------------------------------------------------------------------
def test_secrets_never_reach_the_lake_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeReddit(
        first_day=FIRST, days=4, username="cp_bot", password="p4ss-w0rd-xyz", fault_rate=0.2
    ) as fake:
        fake.script("expired", path_contains="/new")
        settings = reddit_settings(
            tmp_path, fake, reddit_username="cp_bot", reddit_password="p4ss-w0rd-xyz"
        )
        source, _ = land_window(settings, waits=[])
        errors = [repr(source), repr(source.client), repr(source.client.api.auth)]
        bad = reddit_settings(tmp_path, fake, reddit_client_secret="not-the-secret-42")
        with pytest.raises(AuthError) as caught:
            land_window(bad)
        errors.append(str(caught.value))

    assert len(fake.tokens_issued) >= 2
    secrets = [fake.client_secret, fake.password or "", "not-the-secret-42", *fake.tokens_issued]
    root = Path(settings.lake_url)
    stored = [p.read_text() for p in root.rglob("*.json")]
    stored += [
        json.dumps(pq.read_table(p).to_pylist(), default=str) for p in root.rglob("*.parquet")
    ]
    assert any("quarantine" in str(p) for p in root.rglob("*.parquet"))
    assert any("cursors" in str(p) for p in root.rglob("*.json"))
    logs = caplog.text
    for secret in secrets:
        assert secret
        assert all(secret not in text for text in stored)
        assert secret not in logs
        assert all(secret not in text for text in errors)


# ---- the command line ---------------------------------------------------------------------------
def cli_reddit_env(fake: FakeReddit, **extra: str) -> dict[str, str]:
    env = {
        "CRYPTOPULSE_REDDIT_CLIENT_ID": fake.client_id,
        "CRYPTOPULSE_REDDIT_CLIENT_SECRET": fake.client_secret,
        "CRYPTOPULSE_REDDIT_BASE_URL": fake.url,
        "CRYPTOPULSE_REDDIT_AUTH_URL": fake.url,
        "CRYPTOPULSE_REDDIT_SUBREDDITS": "Bitcoin,ethereum",
        "CRYPTOPULSE_REDDIT_USER_AGENT": USER_AGENT,
        "CRYPTOPULSE_SOCIAL_BACKOFF_SECONDS": "0",
    }
    env.update(extra)
    return env


@pytest.mark.slow
def test_cli_extract_reddit_lands_the_window(settings: Settings, tmp_path: Path) -> None:
    with FakeReddit(first_day=FIRST, days=4) as fake:
        fake.script("500", "truncated", path_contains="/r/")
        done = run_cli(
            ["extract", "reddit", "--start", "2024-06-02", "--end", "2024-06-04"],
            settings,
            tmp_path,
            **cli_reddit_env(fake),
        )
        assert done.returncode == 0, done.stderr + done.stdout
        assert "reddit" in done.stdout and "posts" in done.stdout
        files = raw_files(settings)
        landed = {r["post_id"] for rows in files.values() for r in rows}
        expected = set().union(
            *(
                expected_landed(fake, sub, kind, day)
                for sub in ("Bitcoin", "ethereum")
                for kind in ("t3", "t1")
                for day in WINDOW.days()
            )
        )
        assert landed == expected
        assert fake.client_secret not in done.stdout + done.stderr


@pytest.mark.slow
def test_cli_mistakes_are_one_clear_message(settings: Settings, tmp_path: Path) -> None:
    with FakeReddit() as fake:
        args = ["extract", "reddit", "--start", "2024-06-02"]
        wrong = run_cli(
            args,
            settings,
            tmp_path,
            **cli_reddit_env(fake, CRYPTOPULSE_REDDIT_CLIENT_SECRET="wrong-secret-777"),
        )
        missing = run_cli(
            args, settings, tmp_path, **cli_reddit_env(fake, CRYPTOPULSE_REDDIT_CLIENT_SECRET="")
        )
    assert wrong.returncode == 1
    assert "CRYPTOPULSE_REDDIT_CLIENT_SECRET" in wrong.stderr and "401" in wrong.stderr
    assert missing.returncode == 1
    assert "CRYPTOPULSE_REDDIT_CLIENT_SECRET" in missing.stderr
    for done in (wrong, missing):
        assert "Traceback" not in done.stdout + done.stderr
        assert "wrong-secret-777" not in done.stdout + done.stderr
        assert fake.client_secret not in done.stdout + done.stderr
