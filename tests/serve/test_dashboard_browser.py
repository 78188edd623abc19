"""`cryptopulse dashboard` and `cryptopulse docs` in a real headless browser.

Each command runs as a user runs it (a process, on a free loopback port, on the small
demo); Debian's Chromium, driven by Playwright, opens every page, waits for the charts to
be drawn, checks what is visible, and saves a screenshot into docs/img/ — the README shows
those, so they stay true to what the dashboard draws.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS
from conftest import CLI, _free_port, cli_env
from cryptopulse.core.settings import Settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "img"
VIEWPORT = {"width": 1400, "height": 1500}
# Every chart drawn: as many Plotly plots with their SVG as the page has charts.
CHARTS_DRAWN = """n => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(plot => plot.querySelector('.main-svg')).length >= n"""
# page path, screenshot name, charts, texts that must be visible
PAGES = [
    ("", "market", 1, ["Market · Bitcoin (BTC)", "Monthly min / max", "Download CSV"]),
    ("social", "social", 2, ["Social · Bitcoin (BTC)", "Sentiment extremes", "Top posts"]),
    (
        "price_sentiment",
        "price-sentiment",
        2,
        ["Price × sentiment · Bitcoin (BTC)", "Best lag", "Coins ranked by their best lead"],
    ),
    ("health", "health", 2, ["Pipeline health", "Last runs", "Freshness per source"]),
]
AXIS_TITLES = {
    "market": ["Price (USD)", "Market cap (USD)", "24 h volume (USD)"],
    "social": ["Posts per day", "Social dominance (%)", "Weighted sentiment z-score"],
    "price-sentiment": ["Price (USD)", "Weighted sentiment (posts × mean)", "Correlation"],
    "health": ["Seconds per stage", "Quarantined rows"],
}


def _skip_without_chromium() -> None:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; .ci/run does)")


@contextlib.contextmanager
def _serving(
    args: list[str], settings: Settings, url: str, ready_path: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run the CLI with ``args`` until ``url + ready_path`` answers; stop it afterwards."""
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [CLI, *args],
            env=cli_env(settings),
            cwd=log.parent,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`cryptopulse {' '.join(args)}` exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + ready_path, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def dashboard_url(small_demo: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _skip_without_chromium()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("dashboard") / "dashboard.log"
    with _serving(["dashboard", "--port", str(port)], small_demo, url, "/_stcore/health", log):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize(("path", "name", "charts", "texts"), PAGES, ids=[p[1] for p in PAGES])
def test_each_dashboard_page_draws_its_charts_in_chromium(
    dashboard_url: str, browser: Any, path: str, name: str, charts: int, texts: list[str]
) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(f"{dashboard_url}/{path}", wait_until="load")
        page.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=90_000)
        for text in texts:
            page.get_by_text(text, exact=False).first.wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)  # let Plotly finish its transitions before the picture
        body = page.inner_text("body")
        titles = page.locator(".js-plotly-plot .infolayer text").all_text_contents()
        errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        error_count = errors.count()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"dashboard-{name}.png"
        page.screenshot(path=str(shot))
    finally:
        page.close()
    assert error_count == 0, body[:2000]
    for text in texts:
        assert text in body
    assert "Reading DuckDB" in body and "(read-only)" in body
    for title in AXIS_TITLES[name]:
        assert title in titles, f"axis title {title!r} not drawn; drawn: {titles}"
    assert shot.stat().st_size > 30_000  # a drawn page, not a blank one


def test_the_dbt_docs_show_the_lineage_from_the_lake_to_the_marts(
    small_demo: Settings, browser: Any, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _serving(["docs", "--port", str(port)], small_demo, url, "/", tmp_path / "docs.log"):
        with urllib.request.urlopen(f"{url}/manifest.json", timeout=10) as answer:
            manifest = json.load(answer)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        try:
            page.goto(f"{url}/#!/overview", wait_until="load")
            page.get_by_text("Welcome to the auto-generated documentation").wait_for(timeout=60_000)
            sidebar = page.inner_text("body")
            page.locator('[title="View Lineage Graph"]').first.click()
            page.get_by_text("Lineage Graph").first.wait_for(timeout=30_000)
            page.wait_for_timeout(3_000)  # the graph's layout settles
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('canvas')).map(c => {
                    const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let painted = 0;
                    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
                    return painted; })"""
            )
            shot = SCREENSHOTS / "dbt-docs-lineage.png"
            page.screenshot(path=str(shot))
        finally:
            page.close()
    assert "cryptopulse" in sidebar and "lake" in sidebar  # the project and its lake sources
    assert max(drawn) > 10_000, "the lineage graph drew nothing"
    # The lineage the graph is drawn from reaches from the lake's raw files to every mart.
    parents = manifest["parent_map"]

    def upstream(node: str) -> set[str]:
        seen: set[str] = set()
        todo = [node]
        while todo:
            for parent in parents.get(todo.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    for mart in (
        "mart_sentiment_price_leadlag",
        "mart_coin_social_hourly",
        "agg_coin_stats_monthly",
    ):
        sources = {n for n in upstream(f"model.cryptopulse.{mart}") if n.startswith("source.")}
        assert "source.cryptopulse.lake.coin_hourly" in sources, mart
    assert {"source.cryptopulse.lake.posts", "source.cryptopulse.lake.sentiment"} <= {
        n for n in upstream("model.cryptopulse.mart_sentiment_price_leadlag")
    }
    assert manifest["nodes"]["model.cryptopulse.mart_coin_social_hourly"]["columns"]
