"""Rate-limit benchmark: a CoinGecko backfill against a fake server enforcing N calls a minute.

The fake CoinGecko API (``tests/sources/coingecko/``) answers 429 to any call beyond N in a
rolling minute. The real client, source, backfill and lake run a long backfill against it,
with the client's limiter set to the same N, for ``--seconds``; then this prints the calls
made, the 429s received (all, and in steady state, after ``--warmup`` seconds) and the
achieved fraction of the allowed rate. Targets: no 429 in steady state, >= 90 % of N used.

    .venv/bin/python benchmarks/coingecko_rate_limit.py --calls-per-minute 120 --seconds 60
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "sources" / "coingecko"), str(ROOT / "tests")]

from coingecko_fake import FakeCoin, FakeCoinGecko  # noqa: E402
from cryptopulse.core.interval import Interval  # noqa: E402
from cryptopulse.lake import Lake  # noqa: E402
from cryptopulse.sources.coingecko.backfill import (  # noqa: E402
    BackfillListener,
    CoinOutcome,
    backfill,
)
from cryptopulse.sources.coingecko.client import CoinGeckoClient  # noqa: E402
from cryptopulse.sources.coingecko.history import Window  # noqa: E402
from cryptopulse.sources.coingecko.selection import CoinSelection  # noqa: E402
from cryptopulse.sources.coingecko.source import CoinGeckoSource  # noqa: E402
from cryptopulse.sources.http import HttpPolicy  # noqa: E402


class TimeUp(Exception):
    """The benchmark's time is over."""


class StopAt(BackfillListener):
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.windows = 0

    def window_done(self, outcome: CoinOutcome, window: Window) -> None:
        self.windows += 1
        if time.monotonic() >= self.deadline:
            raise TimeUp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-minute", type=int, default=120, help="the server's quota N")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before steady state")
    args = parser.parse_args()
    quota = args.calls_per_minute

    coins = tuple(
        FakeCoin(f"bench-coin-{i:02d}", f"b{i:02d}", f"Bench Coin {i}", 1.0 + i, 1e9, 1e7)
        for i in range(40)
    )
    today = datetime.now(UTC).date()
    interval = Interval(today - timedelta(days=730), today - timedelta(days=1))
    with (
        tempfile.TemporaryDirectory() as lake_dir,
        FakeCoinGecko(coins, rate_limit_per_minute=quota) as fake,
    ):
        policy = HttpPolicy(timeout_seconds=10.0, backoff_seconds=1.0)
        client = CoinGeckoClient(base_url=fake.url, calls_per_minute=quota, policy=policy)
        # Short windows: many calls, each with little data to land.
        source = CoinGeckoSource(client, CoinSelection(top=len(coins)), window_days=10)
        stop = StopAt(time.monotonic() + args.seconds)
        with contextlib.suppress(TimeUp):
            backfill(Lake(lake_dir), source, interval, listener=stop)
        requests = fake.requests
        client.close()

    first = requests[0].at
    elapsed = requests[-1].at - first
    steady = [r for r in requests if r.at - first >= args.warmup]
    steady_span = steady[-1].at - steady[0].at if len(steady) > 1 else 0.0
    rate = (len(steady) - 1) / steady_span * 60.0 if steady_span else 0.0
    limited_all = sum(r.status == 429 for r in requests)
    limited_steady = sum(r.status == 429 for r in steady)
    fraction = rate / quota
    print(
        f"machine            {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"server quota       {quota} calls per rolling minute (429 beyond)")
    print(f"client limiter     {client.calls_per_minute:g}/min, calls evenly spaced")
    print(
        f"run                {elapsed:.1f} s, {len(requests)} calls "
        f"({client.stats.retries} retries), {stop.windows} windows of 10 days landed"
    )
    print(
        f"429 received       {limited_all} in all, {limited_steady} in steady state "
        f"(after {args.warmup:g} s)"
    )
    print(f"achieved rate      {rate:.1f} calls/min in steady state = {fraction:.1%} of allowed")
    print(
        f"targets            no 429 in steady state: {'met' if not limited_steady else 'MISSED'}"
        f" · ≥ 90 % of the rate: {'met' if fraction >= 0.9 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
