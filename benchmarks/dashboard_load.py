"""Dashboard load benchmark: concurrent headless browser pages against `cryptopulse dashboard`.

Builds the demo (``cryptopulse demo --scale seed`` by default, or reuses a lake and warehouse
given with --reuse), starts ``cryptopulse dashboard`` on a loopback port, loads each page once
alone (cold: the queries run and fill the cache), then opens --pages browser pages at once
(separate sessions, as separate users), each visiting the four dashboard pages in turn, and
times every visit from navigation until every chart of the page is drawn (Plotly's SVG in
place). Prints p50/p95/max time to drawn charts and the app process's memory (RSS, peak and
at the end, sampled every 0.2 s with psutil).

    .venv/bin/python benchmarks/dashboard_load.py [--scale seed|small] [--pages 20]
        [--reuse DIR] [--keep DIR]

Goal (2 cores): p95 < 3 s with 20 pages on the seed scale. Debian's Chromium runs on the
same machine and shares its two cores with the app, so the figure includes drawing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
from common import CLI, bench_env, run_measured
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cryptopulse.sources.demo import SCALES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS

# (path, link in the sidebar, a title of each chart the page draws)
PAGES = [
    ("", "Market", ["hourly price, market cap and volume"]),
    ("social", "Social", ["social volume, dominance and sentiment", "sentiment z-score"]),
    ("price_sentiment", "Price × sentiment", ["price and weighted sentiment", "later returns"]),
    ("health", "Pipeline health", ["Time per stage", "Largest causes of quarantine"]),
]
# Every chart of the page drawn: a Plotly SVG carrying each expected title, no error box.
CHARTS_DRAWN = """titles => {
    const drawn = Array.from(document.querySelectorAll('.js-plotly-plot .main-svg .gtitle'))
        .map(t => t.textContent);
    return titles.every(want => drawn.some(d => d.includes(want)))
        && !document.querySelector('[data-testid="stException"]');
}"""
TIMEOUT_MS = 120_000
FAILURES: list[str] = []  # page views whose charts were not drawn in time
Visits = tuple[list[float], list[float]]  # (full page loads, page switches) in seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MemorySampler(threading.Thread):
    """Peak RSS of a process and its children, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0.0
        self.last = 0.0
        self.running = True

    def rss_mb(self) -> float:
        processes = [self.process, *self.process.children(recursive=True)]
        total = 0
        for proc in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total / 2**20

    def run(self) -> None:
        while self.running:
            self.last = self.rss_mb()
            self.peak = max(self.peak, self.last)
            time.sleep(0.2)


async def visit(context: Any, base: str, order: list[tuple[str, str, list[str]]]) -> Visits:
    """One user in a Streamlit session of its own (a tab): opens its first page by URL (a
    full page load), then switches to the others with the sidebar; seconds until each
    page's charts are drawn."""
    page = await context.new_page()
    loads: list[float] = []
    switches: list[float] = []
    try:
        for number, (path, link, titles) in enumerate(order):
            start = time.perf_counter()
            if number == 0:
                await page.goto(f"{base}/{path}", wait_until="commit")
            else:
                await page.get_by_role("link", name=link, exact=True).click()
            try:
                await page.wait_for_function(CHARTS_DRAWN, arg=titles, timeout=TIMEOUT_MS)
            except PlaywrightTimeout:
                body = (await page.inner_text("body"))[-300:].replace("\n", " ")
                FAILURES.append(f"{link}: not drawn in {TIMEOUT_MS / 1000:.0f} s; page: {body}")
                (switches if number else loads).append(float("inf"))
                continue
            (switches if number else loads).append(time.perf_counter() - start)
    finally:
        await page.close()
    return loads, switches


async def load(base: str, users: int, isolated: bool) -> tuple[Visits, Visits]:
    """One user alone first (cold: the queries run and fill the cache), then ``users``
    users at once, each starting on another page. Tabs of one browser profile share its
    HTTP and code caches (as one person's browser would after the first visit); with
    ``isolated``, each user has a fresh profile and loads and compiles Streamlit's and
    Plotly's JavaScript itself, on this machine's cores."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        viewport: Any = {"width": 1400, "height": 1000}
        try:
            shared = await browser.new_context(viewport=viewport)
            cold = await visit(shared, base, PAGES)
            orders = [PAGES[i % len(PAGES) :] + PAGES[: i % len(PAGES)] for i in range(users)]
            contexts = [
                await browser.new_context(viewport=viewport) if isolated else shared for _ in orders
            ]
            results = await asyncio.gather(
                *(visit(c, base, o) for c, o in zip(contexts, orders, strict=True))
            )
        finally:
            await browser.close()
    loads = [t for user_loads, _ in results for t in user_loads]
    switches = [t for _, user_switches in results for t in user_switches]
    return cold, (loads, switches)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--pages", type=int, default=20, help="browser pages at once")
    parser.add_argument("--reuse", help="a folder with lake/ and warehouse.duckdb already built")
    parser.add_argument("--keep", help="build the demo in this folder and keep it")
    parser.add_argument(
        "--isolated", action="store_true", help="a fresh browser profile per user (no cache)"
    )
    args = parser.parse_args()
    if CHROMIUM is None:
        raise SystemExit("no chromium on PATH (Debian: apt-get install chromium)")

    work = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="cp-bench-dash-"))
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(work)
    built = None
    if not (work / "warehouse.duckdb").exists():
        built, _, _ = run_measured(["demo", "--scale", args.scale], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = subprocess.Popen(
        [CLI, "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    sampler = MemorySampler(app.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or app.poll() is not None:
                    raise SystemExit("the dashboard did not start") from None
                time.sleep(0.3)
        idle = sampler.rss_mb()
        sampler.start()
        started = time.perf_counter()
        cpu_before = sampler.process.cpu_times()
        cold, (loads, switches) = asyncio.run(load(base, args.pages, args.isolated))
        cpu_after = sampler.process.cpu_times()
        wall = time.perf_counter() - started
        server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        sampler.running = False
        sampler.join()
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(timeout=30)
        if not (args.reuse or args.keep):
            shutil.rmtree(work, ignore_errors=True)

    print(f"\ncryptopulse dashboard load · scale={args.scale} · {args.pages} pages at once")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"; Chromium on the same machine"
    )
    if built is not None:
        print(f"demo built in {built:.0f} s")
    cold_times = cold[0] + cold[1]
    print(
        "one user, cold cache: "
        + ", ".join(f"{p[1]} {t:.2f} s" for p, t in zip(PAGES, cold_times, strict=True))
    )
    every = loads + switches
    profiles = "a fresh browser profile each" if args.isolated else "tabs of one browser profile"
    print(f"{args.pages} users at once ({profiles}), {len(every)} page views in {wall:.1f} s:")
    for name, times in (("first load", loads), ("page switch", switches), ("all", every)):
        print(
            f"  {name:<12} p50 {statistics.median(times):.2f} s · "
            f"p95 {percentile(times, 0.95):.2f} s · max {max(times):.2f} s"
        )
    print(
        f"app memory (RSS): idle {idle:.0f} MB · peak {sampler.peak:.0f} MB · "
        f"end {sampler.last:.0f} MB"
    )
    if FAILURES:
        print(f"{len(FAILURES)} page views not drawn in time (counted as ∞), e.g. {FAILURES[0]}")
    views = len(every) + len(cold_times)
    print(f"app CPU: {server_cpu:.1f} s for {views} page views ({server_cpu / views:.2f} s each)")
    p95 = percentile(every, 0.95)
    print(f"goal: p95 < 3 s to every chart drawn ({'met' if p95 < 3 else 'MISSED'})")


if __name__ == "__main__":
    main()
