"""The Bluesky source against a fake Bluesky XRPC API on loopback (``bluesky_fake.py``).

Real parts throughout: the session, the shared JSON client, the source, the lake, and the
CLI in a subprocess; only Bluesky itself is replaced.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bluesky_fake import APP_PASSWORD, HANDLE, MALFORMED_REASONS, TERMS, FakeBluesky
from conftest import run_cli
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from cryptopulse.lake.land import Landing, land
from cryptopulse.sources import build_source
from cryptopulse.sources.bluesky import BlueskySource, build_bluesky_source, resolve_queries
from cryptopulse.sources.http import AuthError

D1, D2, D3, D4 = (date(2024, 6, d) for d in (1, 2, 3, 4))


@pytest.fixture
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky() as server:
        yield server


def bsky_settings(settings: Settings, fake: FakeBluesky, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "lake_url": settings.lake_url,
        "warehouse_url": settings.warehouse_url,
        "bluesky_handle": HANDLE,
        "bluesky_app_password": APP_PASSWORD,
        "bluesky_base_url": fake.url + "/xrpc",
        "social_backoff_seconds": 0.01,
        "social_timeout_seconds": 2.0,
        "social_max_retries": 8,
    }
    options.update(overrides)
    return Settings(**options)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source_for(
    settings: Settings, fake: FakeBluesky, clock: Any = None, sleep: Any = None, **overrides: Any
) -> BlueskySource:
    extra: dict[str, Any] = {"sleep": sleep if sleep is not None else Sleeps()}
    if clock is not None:
        extra["clock"] = clock
    return build_bluesky_source(bsky_settings(settings, fake, **overrides), **extra)


def land_posts(settings: Settings, source: BlueskySource, interval: Interval) -> Landing:
    landings = land(Lake(settings.lake_url), source, interval)
    assert [x.dataset for x in landings] in (["posts"], [])  # [] when every day was landed
    return landings[0] if landings else Landing("bluesky", "posts")


def raw_files(settings: Settings) -> dict[str, Path]:
    root = Path(settings.lake_url)
    return {str(p.relative_to(root)): p for p in sorted(root.glob("raw/bluesky/posts/*/*.parquet"))}


def rows_by_file(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    return {name: pq.read_table(path).to_pylist() for name, path in raw_files(settings).items()}


def file_name(day: date, part: str) -> str:
    return f"raw/bluesky/posts/date={day}/bluesky_posts_{day}_{part}.parquet"


def lake_bytes(settings: Settings) -> bytes:
    return b"".join(
        p.read_bytes() for p in sorted(Path(settings.lake_url).rglob("*")) if p.is_file()
    )


# ---- a window of days -----------------------------------------------------------------------
def test_a_window_lands_exactly_the_posts_of_its_days_once_per_query(
    settings: Settings, fake: FakeBluesky
) -> None:
    source = source_for(settings, fake)
    landing = land_posts(settings, source, Interval(D1, D4))

    files = rows_by_file(settings)
    assert set(files) == {file_name(d, t) for d in (D1, D2, D3) for t in TERMS}
    for term in TERMS:
        for day in (D1, D2, D3):
            rows = files[file_name(day, term)]
            ids = [r["post_id"] for r in rows]
            assert len(ids) == len(set(ids)), f"{term} {day}: a post landed twice"
            assert set(ids) == fake.expected([term], [day]), f"{term} {day}"
            assert {r["collected_for"] for r in rows} == ({term} if rows else set())  # coin id
    assert files[file_name(D3, "solana")] == []  # a day without posts still lands (empty)
    # The fast-clock post (created "tomorrow") stays in its window's file; nothing is written
    # for D4, which was not asked for.
    assert not any("date=2024-06-04" in name for name in files)
    # Every post in counts once: landed or quarantined, with a reason per malformed record.
    assert landing.rows_in == fake.expected_count(TERMS, [D1, D2, D3])
    assert landing.rows_in == landing.rows_landed + landing.rows_quarantined
    assert landing.rows_landed == len(fake.expected(TERMS, [D1, D2, D3]))
    assert dict(landing.reasons) == {k: v * len(TERMS) for k, v in MALFORMED_REASONS.items()}
    # One sign-in for the whole window; every search asked for whole UTC days, newest first.
    assert len(fake.calls("com.atproto.server.createSession")) == 1
    searches = fake.calls("app.bsky.feed.searchPosts")
    windows = {(r.params["q"], r.params["since"], r.params["until"]) for r in searches}
    assert windows == {
        (t, f"{d}T00:00:00Z", f"{d + timedelta(days=1)}T00:00:00Z")
        for t in TERMS
        for d in (D1, D2, D3)
    }
    assert {(r.params["sort"], r.params["limit"]) for r in searches} == {("latest", "100")}
    assert any("cursor" in r.params for r in searches), "no day needed a second page?"


def test_a_post_maps_to_the_posts_columns(settings: Settings, fake: FakeBluesky) -> None:
    land_posts(settings, source_for(settings, fake), Interval(D1, D2))
    rows = {r["post_id"]: r for r in rows_by_file(settings)[file_name(D1, "bitcoin")]}
    views = [p.view for p in fake.corpus if p.term == "bitcoin" and p.uri in rows]
    assert len(views) == len(rows)
    for view in views:
        row = rows[view["uri"]]
        did, rkey = view["uri"].removeprefix("at://").split("/app.bsky.feed.post/")
        handle = view["author"]["handle"]
        profile = did if handle == "handle.invalid" else handle
        assert row["source"] == "bluesky"
        assert row["author"] == handle
        assert row["text"] == view["record"]["text"]
        assert row["created_at"] == datetime.fromisoformat(view["record"]["createdAt"])
        assert row["language"] == (view["record"].get("langs") or [None])[0]
        assert (row["likes"], row["reposts"], row["replies"], row["quotes"]) == (
            view["likeCount"],
            view["repostCount"],
            view["replyCount"],
            view["quoteCount"],
        )
        assert row["url"] == f"https://bsky.app/profile/{profile}/post/{rkey}"
        raw = json.loads(row["raw"])
        assert raw == {k: v for k, v in view.items() if k != "viewer"}  # the collector's state
    # The fast-clock post is in D1's file, created the next day.
    assert any(r["created_at"].date() == D2 for r in rows.values())


def test_malformed_records_are_quarantined_with_their_reason_and_original(
    settings: Settings, fake: FakeBluesky
) -> None:
    land_posts(settings, source_for(settings, fake, bluesky_queries="ethereum"), Interval(D2, D3))
    quarantine = Path(settings.lake_url) / "quarantine/bluesky/posts/date=2024-06-02"
    rows = pq.read_table(quarantine / "bluesky_posts_2024-06-02_ethereum.parquet").to_pylist()
    kinds = Counter(r["reason"].split(" (got ")[0].split(": ")[0] for r in rows)
    assert dict(kinds) == MALFORMED_REASONS
    by_reason = {r["reason"].split(":")[0]: r for r in rows}
    assert "Tuesday 4pm" in by_reason["unparseable created_at"]["raw"]
    assert by_reason["unreadable post"]["raw"] == "null"
    assert "odd record no-text" not in by_reason["missing text"]["raw"]


# ---- reruns and increments ------------------------------------------------------------------
@pytest.mark.slow
def test_a_rerun_leaves_identical_files_and_asks_for_nothing_already_landed(
    settings: Settings, fake: FakeBluesky
) -> None:
    interval = Interval(D1, D4)
    land_posts(settings, source_for(settings, fake), interval)
    first = {name: path.read_bytes() for name, path in raw_files(settings).items()}
    searches = len(fake.calls("app.bsky.feed.searchPosts"))

    again = source_for(settings, fake)
    land_posts(settings, again, interval)
    assert {n: p.read_bytes() for n, p in raw_files(settings).items()} == first
    assert len(fake.calls("app.bsky.feed.searchPosts")) == searches  # complete days skipped
    assert again.stats.days_skipped == 9

    # Without the cursors every day is fetched again, and lands byte for byte the same.
    for cursor in (Path(settings.lake_url) / "state/cursors/bluesky").glob("*.json"):
        cursor.unlink()
    land_posts(settings, source_for(settings, fake), interval)
    assert {n: p.read_bytes() for n, p in raw_files(settings).items()} == first
    assert len(fake.calls("app.bsky.feed.searchPosts")) == 2 * searches

    # A landed day whose file went missing is fetched again although its cursor lists it.
    missing = raw_files(settings)[file_name(D2, "bitcoin")]
    missing.unlink()
    land_posts(settings, source_for(settings, fake), interval)
    assert missing.read_bytes() == first[file_name(D2, "bitcoin")]


@pytest.mark.slow
def test_a_day_in_progress_lands_in_slices_that_never_shrink_a_file(
    settings: Settings, fake: FakeBluesky
) -> None:
    clock = {"now": datetime(2024, 6, 2, 10, 0, 7, tzinfo=UTC)}

    def run_at(now: datetime, interval: Interval) -> dict[str, list[dict[str, Any]]]:
        before = rows_by_file(settings)
        clock["now"] = fake.now = now
        source = source_for(settings, fake, clock=lambda: clock["now"], bluesky_queries="bitcoin")
        land_posts(settings, source, interval)
        after = rows_by_file(settings)
        for name, rows in before.items():  # no file written earlier lost (or changed) a post
            assert after[name] == rows, name
        return after

    def ids(rows: list[dict[str, Any]]) -> set[str]:
        return {r["post_id"] for r in rows}

    def slice_from(hour: int, minute: int, until: datetime) -> set[str]:
        since = datetime(2024, 6, 2, hour, minute, tzinfo=UTC)
        return {p.uri for p in fake.matching("bitcoin", since, until) if p.valid and p.uri}

    ten = datetime(2024, 6, 2, 10, 0, 7, tzinfo=UTC)
    files = run_at(ten, Interval(D2, D3))
    assert set(files) == {file_name(D2, "bitcoin.live-0000")}
    assert ids(files[file_name(D2, "bitcoin.live-0000")]) == fake.expected(["bitcoin"], [D2])

    # The next slice starts 10 minutes before the last one stopped, under a name of its own.
    three = datetime(2024, 6, 2, 15, 30, tzinfo=UTC)
    files = run_at(three, Interval(D2, D3))
    assert ids(files[file_name(D2, "bitcoin.live-0950")]) == slice_from(9, 50, three)

    # Just after midnight yesterday is still settling and today has begun: each day goes on
    # from its own point, and yesterday's last slice stops at its end, not at 00:00.
    files = run_at(datetime(2024, 6, 3, 0, 20, tzinfo=UTC), Interval(D2, D4))
    assert ids(files[file_name(D2, "bitcoin.live-1520")]) == slice_from(15, 20, _bounds(D2)[1])
    assert file_name(D3, "bitcoin.live-0000") in files
    files = run_at(datetime(2024, 6, 3, 0, 40, tzinfo=UTC), Interval(D2, D4))
    assert ids(files[file_name(D2, "bitcoin.live-2350")]) == slice_from(23, 50, _bounds(D2)[1])
    assert file_name(D3, "bitcoin.live-0010") in files
    landed = [r for name, rows in files.items() if "date=2024-06-02" in name for r in rows]
    assert ids(landed) == fake.expected(["bitcoin"], [D2])  # the slices hold the whole day

    # Once the day is over it is fetched in full under the query's own name, then never again.
    files = run_at(datetime(2024, 6, 3, 1, 30, tzinfo=UTC), Interval(D2, D4))
    assert ids(files[file_name(D2, "bitcoin")]) == fake.expected(["bitcoin"], [D2])
    assert file_name(D3, "bitcoin.live-0030") in files
    searches = len(fake.calls("app.bsky.feed.searchPosts"))
    run_at(datetime(2024, 6, 3, 2, 0, tzinfo=UTC), Interval(D2, D3))
    assert len(fake.calls("app.bsky.feed.searchPosts")) == searches


def test_days_that_have_not_begun_are_not_fetched(settings: Settings, fake: FakeBluesky) -> None:
    now = datetime(2024, 6, 2, 8, 0, tzinfo=UTC)
    source = source_for(settings, fake, clock=lambda: now, bluesky_queries="solana")
    land_posts(settings, source, Interval(D1, D4))
    assert set(raw_files(settings)) == {file_name(D1, "solana"), file_name(D2, "solana.live-0000")}


def test_the_page_limit_keeps_the_newest_posts_and_says_how_to_get_the_rest(
    settings: Settings, fake: FakeBluesky, caplog: pytest.LogCaptureFixture
) -> None:
    term, day = max(
        ((t, d) for t in TERMS for d in (D1, D2, D3)),
        key=lambda td: len(fake.matching(td[0], *_bounds(td[1]))),
    )
    assert len(fake.matching(term, *_bounds(day))) > 100
    source = source_for(settings, fake, bluesky_queries=term, bluesky_max_pages=1)
    with caplog.at_level(logging.WARNING):
        land_posts(settings, source, Interval(day, day + timedelta(days=1)))
    newest = [p.uri for p in fake.matching(term, *_bounds(day))[:100] if p.valid]
    rows = rows_by_file(settings)[file_name(day, term)]
    assert {r["post_id"] for r in rows} == set(newest)
    assert source.stats.capped == [f"{term} {day}"]
    assert "CRYPTOPULSE_BLUESKY_MAX_PAGES" in caplog.text


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


# ---- sessions -------------------------------------------------------------------------------
def test_an_expired_access_token_is_refreshed_and_the_call_succeeds(
    settings: Settings, fake: FakeBluesky
) -> None:
    source = source_for(settings, fake, bluesky_queries="bitcoin")
    fake.script("expired", path_contains="searchPosts")  # the first search: 400 ExpiredToken
    land_posts(settings, source, Interval(D1, D2))
    fake.expire_access_tokens()  # the token really expires between two windows
    land_posts(settings, source, Interval(D2, D3))

    assert len(fake.calls("com.atproto.server.createSession")) == 1
    refreshes = fake.calls("com.atproto.server.refreshSession")
    assert [r.status for r in refreshes] == [200, 200]
    assert refreshes[0].headers["authorization"] == f"Bearer {fake.issued[1]}"  # refresh token
    ids = {r["post_id"] for rows in rows_by_file(settings).values() for r in rows}
    assert ids == fake.expected(["bitcoin"], [D1, D2])

    # Refresh token expired too: one new sign-in, and the search still succeeds.
    fake.expire_access_tokens()
    fake.expire_refresh_tokens()
    land_posts(settings, source, Interval(D3, D4))
    assert len(fake.calls("com.atproto.server.createSession")) == 2
    assert {r["post_id"] for r in rows_by_file(settings)[file_name(D3, "bitcoin")]} == (
        fake.expected(["bitcoin"], [D3])
    )


def test_a_wrong_app_password_is_one_clear_error(settings: Settings, fake: FakeBluesky) -> None:
    source = source_for(settings, fake, bluesky_app_password="wxyz-wxyz-wxyz-wxyz")
    with pytest.raises(AuthError) as info:
        land_posts(settings, source, Interval(D1, D3))
    message = str(info.value)
    assert "Invalid identifier or password" in message
    assert "CRYPTOPULSE_BLUESKY_HANDLE" in message and "CRYPTOPULSE_BLUESKY_APP_PASSWORD" in message
    assert "wxyz-wxyz-wxyz-wxyz" not in message
    assert info.value.service == "Bluesky"
    assert len(fake.calls("com.atproto.server.createSession")) == 1  # not retried
    assert fake.calls("app.bsky.feed.searchPosts") == []
    assert raw_files(settings) == {}


def test_missing_credentials_name_the_settings(settings: Settings, fake: FakeBluesky) -> None:
    for missing in ("bluesky_handle", "bluesky_app_password"):
        with pytest.raises(ValueError) as info:
            build_source("bluesky", bsky_settings(settings, fake, **{missing: None}))
        assert f"not set: CRYPTOPULSE_{missing.upper()}" in str(info.value)
        assert "CRYPTOPULSE_BLUESKY_APP_PASSWORD" in str(info.value)
    assert fake.requests == []


# ---- faults ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_faults_are_retried_and_the_result_is_still_complete(
    settings: Settings, fake: FakeBluesky
) -> None:
    fake.script("429", "500", "503", "invalid-json", "truncated", "reset", path_contains="search")
    fake.fault_rate = 0.2  # and more at random, on searches only
    sleeps = Sleeps()
    source = source_for(settings, fake, sleep=sleeps)
    landing = land_posts(settings, source, Interval(D1, D4))

    ids = [r["post_id"] for rows in rows_by_file(settings).values() for r in rows]
    assert len(ids) == len(set(ids)) == len(fake.expected(TERMS, [D1, D2, D3]))
    assert set(ids) == fake.expected(TERMS, [D1, D2, D3])
    assert landing.rows_in == landing.rows_landed + landing.rows_quarantined
    seen = fake.faults()
    assert {"429", "500", "503", "invalid-json", "truncated", "reset"} <= set(seen)
    assert sum(seen.values()) > 6
    # The 429 carried ratelimit-reset 30 s ahead: the client waited for it.
    assert max(sleeps) >= 25
    assert source.client.api.stats.retries >= sum(seen.values())


# ---- queries --------------------------------------------------------------------------------
def test_queries_default_to_coin_names_and_explicit_ones_are_checked() -> None:
    queries = resolve_queries("", "bitcoin,shiba-inu,near")
    assert [(q.text, q.collected_for, q.part) for q in queries] == [
        ("bitcoin", "bitcoin", "bitcoin"),
        ('"shiba inu"', "shiba-inu", "shiba-inu"),
        ('"near protocol"', "near", "near-protocol"),
    ]
    explicit = resolve_queries(" bitcoin ; #eth OR ethereum;bitcoin", "bitcoin")
    assert [(q.text, q.collected_for, q.part) for q in explicit] == [
        ("bitcoin", "bitcoin", "bitcoin"),
        ("#eth OR ethereum", "#eth OR ethereum", "eth-or-ethereum"),
    ]
    with pytest.raises(ValueError, match=r"CRYPTOPULSE_BLUESKY_QUERIES.*'\$BTC' and 'btc'"):
        resolve_queries("$BTC;btc", "bitcoin")


def test_explicit_queries_are_collected_for_their_text(
    settings: Settings, fake: FakeBluesky
) -> None:
    source = source_for(settings, fake, bluesky_queries="ethereum;dogecoin")
    land_posts(settings, source, Interval(D1, D2))
    files = rows_by_file(settings)
    assert set(files) == {file_name(D1, "ethereum"), file_name(D1, "dogecoin")}
    assert {r["collected_for"] for r in files[file_name(D1, "ethereum")]} == {"ethereum"}
    assert files[file_name(D1, "dogecoin")] == []


# ---- secrets --------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_app_password_and_tokens_never_leave_the_session(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeBluesky(fault_rate=0.15) as fake:
        assert isinstance(fake, FakeBluesky)
        source = source_for(settings, fake)
        fake.script("expired", path_contains="search")
        land_posts(settings, source, Interval(D1, D3))
        fake.expire_access_tokens()
        fake.expire_refresh_tokens()
        land_posts(settings, source, Interval(D3, D4))
        wrong = source_for(settings, fake, bluesky_app_password="leak-leak-leak-leak")
        with pytest.raises(AuthError) as info:
            land_posts(settings, wrong, Interval(D4, D4 + timedelta(days=1)))
        secrets = [APP_PASSWORD, "leak-leak-leak-leak", *fake.issued]
        assert len(fake.issued) >= 6  # sign-in, refresh, second sign-in
    everything = lake_bytes(settings)
    assert b"ZmFrZS1" not in everything  # the JWTs' common middle part
    seen = [caplog.text, str(info.value), repr(source), repr(source.client.session)]
    for secret in secrets:
        assert secret.encode() not in everything
        assert all(secret not in text for text in seen), secret


# ---- the CLI --------------------------------------------------------------------------------
def cli_settings(fake: FakeBluesky, password: str = APP_PASSWORD) -> dict[str, str]:
    return {
        "CRYPTOPULSE_SOURCES": "demo",
        "CRYPTOPULSE_BLUESKY_HANDLE": HANDLE,
        "CRYPTOPULSE_BLUESKY_APP_PASSWORD": password,
        "CRYPTOPULSE_BLUESKY_BASE_URL": fake.url + "/xrpc",
        "CRYPTOPULSE_BLUESKY_QUERIES": "bitcoin;solana",
        "CRYPTOPULSE_SOCIAL_BACKOFF_SECONDS": "0.01",
    }


@pytest.mark.slow
def test_cli_extract_bluesky_end_to_end(
    settings: Settings, tmp_path: Path, fake: FakeBluesky
) -> None:
    args = ["extract", "bluesky", "--start", "2024-06-02", "--end", "2024-06-04"]
    done = run_cli(args, settings, tmp_path, **cli_settings(fake))
    assert done.returncode == 0, done.stdout + done.stderr
    files = rows_by_file(settings)
    assert set(files) == {file_name(d, t) for d in (D2, D3) for t in ("bitcoin", "solana")}
    ids = {r["post_id"] for rows in files.values() for r in rows}
    assert ids == fake.expected(["bitcoin", "solana"], [D2, D3])
    landed = len(ids)
    quarantined = 2 * sum(MALFORMED_REASONS.values())
    assert f"{landed:,}" in done.stdout and f"{landed + quarantined:,}" in done.stdout
    assert "bluesky" in done.stdout
    first = {name: path.read_bytes() for name, path in raw_files(settings).items()}
    requests = len(fake.requests)

    again = run_cli(args, settings, tmp_path, **cli_settings(fake))
    assert again.returncode == 0, again.stdout + again.stderr
    assert {n: p.read_bytes() for n, p in raw_files(settings).items()} == first
    assert len(fake.requests) == requests  # every day landed: no sign-in, no search
    assert len(fake.calls("com.atproto.server.createSession")) == 1
    for secret in [APP_PASSWORD, *fake.issued]:
        assert secret not in done.stdout + done.stderr + again.stdout + again.stderr
        assert secret.encode() not in lake_bytes(settings)


@pytest.mark.slow
def test_cli_wrong_password_and_missing_credentials_exit_1_without_traceback(
    settings: Settings, tmp_path: Path, fake: FakeBluesky
) -> None:
    args = ["extract", "bluesky", "--start", "2024-06-02"]
    wrong = run_cli(args, settings, tmp_path, **cli_settings(fake, "zzzz-zzzz-zzzz-zzzz"))
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    said = " ".join(wrong.stderr.split())
    assert "Traceback" not in wrong.stderr
    assert "Invalid identifier or password" in said
    assert "CRYPTOPULSE_BLUESKY_APP_PASSWORD" in said
    assert "zzzz-zzzz-zzzz-zzzz" not in wrong.stdout + wrong.stderr

    env = cli_settings(fake)
    env.pop("CRYPTOPULSE_BLUESKY_APP_PASSWORD")
    missing = run_cli(args, settings, tmp_path, **env)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    said = " ".join(missing.stderr.split())
    assert "Traceback" not in missing.stderr
    assert "not set: CRYPTOPULSE_BLUESKY_APP_PASSWORD" in said
    assert len(fake.calls("com.atproto.server.createSession")) == 1
