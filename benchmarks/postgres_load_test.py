"""Load test: many concurrent read-only clients on the PostgreSQL marts, alone and while a
daily run writes. Loopback only, bounded in clients and time.

Starts its own PostgreSQL (Debian's binaries), builds the demo's marts at the chosen scale,
logs analysts in as members of the read-only role (cryptopulse_reader) and runs, per client
thread (psycopg 3, one connection each), a random mix of typical analyst queries:
  - one coin's hourly price, volume and sentiment over 30 days;
  - the monthly aggregate of all coins;
  - one coin's lead-lag curve.
Phase 1: readers alone for --seconds. Phase 2: the same while `cryptopulse run` lands and
merges the next day (extract, enrich, load, models, checks, export), at least --seconds and
until that run ends. Prints queries, errors, p50/p95/p99.

    .venv/bin/python benchmarks/postgres_load_test.py [--scale seed|small] [--clients 100]
        [--seconds 60]

Goal: zero errors and p95 under 250 ms, in both phases.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from common import CLI, run_measured
from pg_common import DATABASE, PASSWORD, USER, pg_env, postgres_server

from cryptopulse.sources.demo import SCALES

READER_PASSWORD = "reader-" + os.urandom(6).hex()

HOURLY = """
select m.hour_ts, m.price, f.total_volume, m.social_volume, m.mean_sentiment
from cryptopulse.mart_coin_social_hourly as m
left join cryptopulse.fct_coin_stats_hourly as f
    on f.coin_id = m.coin_id and f.hour_ts = m.hour_ts
where m.coin_id = %(coin)s and m.hour_ts >= %(start)s and m.hour_ts < %(end)s
order by m.hour_ts
"""
MONTHLY = """
select coin_id, symbol, year, month, min_price, max_price, max_total_volume, hours_observed
from cryptopulse.agg_coin_stats_monthly
order by coin_id, month_start
"""
LEADLAG = """
select lag_hours, correlation, ci_low, ci_high, is_significant
from cryptopulse.mart_sentiment_price_leadlag
where coin_id = %(coin)s
order by lag_hours
"""


class Readers:
    def __init__(self, conninfo: str, clients: int, coins: list[str], hours: tuple[Any, Any]):
        self.conninfo = conninfo
        self.clients = clients
        self.coins = coins
        self.first, self.last = hours
        self.latencies: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _client(self, seed: int, stop: float, busy: Callable[[], bool]) -> None:
        rng = random.Random(seed)
        span = max(int((self.last - self.first).total_seconds() // 3600) - 30 * 24, 1)
        try:
            con = psycopg.connect(self.conninfo, autocommit=True)
        except psycopg.Error as exc:
            with self.lock:
                self.errors.append(f"connect: {exc}")
            return
        with con:
            while time.monotonic() < stop or busy():
                kind = rng.random()
                coin = rng.choice(self.coins)
                start = self.first + timedelta(hours=rng.randrange(span))
                params = {"coin": coin, "start": start, "end": start + timedelta(days=30)}
                name = "hourly" if kind < 0.6 else "leadlag" if kind < 0.85 else "monthly"
                query = {"hourly": HOURLY, "leadlag": LEADLAG, "monthly": MONTHLY}[name]
                began = time.perf_counter()
                try:
                    con.execute(query, params if query is not MONTHLY else None).fetchall()
                except psycopg.Error as exc:
                    with self.lock:
                        self.errors.append(str(exc).strip().splitlines()[0])
                    continue
                elapsed = time.perf_counter() - began
                with self.lock:
                    self.latencies.append((name, elapsed))

    def run(self, seconds: float, busy: Callable[[], bool] = lambda: False) -> dict[str, Any]:
        """Query for ``seconds``, and on while ``busy()`` (a writer still running)."""
        self.latencies, self.errors = [], []
        began = time.monotonic()
        stop = began + seconds
        threads = [
            threading.Thread(target=self._client, args=(i, stop, busy)) for i in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        ordered = sorted(elapsed for _, elapsed in self.latencies)
        by_kind = {
            kind: sorted(e for k, e in self.latencies if k == kind)
            for kind in ("hourly", "monthly", "leadlag")
        }
        return {
            "queries": len(ordered),
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else "",
            "qps": len(ordered) / seconds,
            "p50": _pct(ordered, 0.50),
            "p95": _pct(ordered, 0.95),
            "p99": _pct(ordered, 0.99),
            "p95_by_query": {kind: _pct(values, 0.95) for kind, values in by_kind.items()},
        }


def _pct(ordered: list[float], p: float) -> float:
    """The p-quantile of sorted seconds, in milliseconds (0 with no values)."""
    return ordered[min(int(p * len(ordered)), len(ordered) - 1)] * 1000 if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if not 1 <= args.clients <= 150:
        raise SystemExit("--clients: 1 to 150 (the server allows 200 connections)")

    work = Path(tempfile.mkdtemp(prefix="cp-pg-load-"))
    interval = SCALES[args.scale]
    phases: dict[str, dict[str, Any]] = {}
    try:
        with postgres_server.running() as server:
            server.create_login(USER, PASSWORD, DATABASE)
            env = pg_env(server, work)
            # The marts: the scale's days, minus the last, which the daily run adds in phase 2.
            last = interval.end - timedelta(days=1)
            run_measured(["run", "--start", str(interval.start), "--end", str(last)], env)
            server.create_login("analyst", READER_PASSWORD)
            server.sql("grant cryptopulse_reader to analyst")
            conninfo = (
                f"host=127.0.0.1 port={server.port} dbname={DATABASE} user=analyst "
                f"password={READER_PASSWORD}"
            )
            with psycopg.connect(conninfo) as con:
                coins = [r[0] for r in con.execute("select coin_id from cryptopulse.dim_coin")]
                hours = con.execute(
                    "select min(hour_ts), max(hour_ts) from cryptopulse.mart_coin_social_hourly"
                ).fetchone()
            assert hours is not None
            readers = Readers(conninfo, args.clients, coins, (hours[0], hours[1]))
            phases["readers alone"] = readers.run(args.seconds)
            daily = subprocess.Popen(
                [CLI, "run", "--start", str(last), "--end", str(interval.end)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            began = time.perf_counter()
            # Readers go on until the daily run (extract, enrich, load, models, checks,
            # export) has finished, however long it takes.
            phases["while a daily run writes"] = readers.run(
                args.seconds, busy=lambda: daily.poll() is None
            )
            out, _ = daily.communicate()
            daily_wall = time.perf_counter() - began
            if daily.returncode != 0:
                raise SystemExit(f"the daily run failed:\n{out[-3000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nPostgreSQL load test · scale={args.scale} · {args.clients} clients · "
        f"{args.seconds:.0f} s per phase"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL 15 on loopback, same machine"
    )
    print(
        f"{'phase':<26}{'queries':>9}{'q/s':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for name, r in phases.items():
        print(
            f"{name:<26}{r['queries']:>9}{r['qps']:>8.0f}{r['errors']:>8}{r['p50']:>9.1f}"
            f"{r['p95']:>9.1f}{r['p99']:>9.1f}"
        )
        per_query = ", ".join(f"{k} {v:.0f}" for k, v in r["p95_by_query"].items())
        print(f"  p95 ms by query: {per_query}")
        if r["first_error"]:
            print(f"  first error: {r['first_error']}")
    print(f"the daily run took {daily_wall:.1f} s, all of it during phase 2")
    ok = all(r["errors"] == 0 and r["p95"] < 250 for r in phases.values())
    print(f"goal (zero errors, p95 < 250 ms in both phases): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
