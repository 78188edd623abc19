"""Load test: many concurrent read-only clients on the PostgreSQL marts, alone and while a
daily run writes. Loopback only, bounded in clients and time.

Starts its own PostgreSQL (Debian's binaries), builds the demo's marts at the chosen scale and
logs analysts in as members of the read-only role (cryptopulse_reader). The clients are
pgbench's (PostgreSQL's own load generator: C, so the clients take little of the two cores the
server needs; one connection each, prepared statements), each running a random mix of typical
analyst queries:
  - one coin's hourly price, volume and sentiment over 30 days (60 %);
  - one coin's lead-lag curve (25 %);
  - the monthly aggregate of all coins (15 %).
By default the clients send 2 queries a second each, together, at random moments (an open
loop, pgbench's --rate: an analyst clicking every half second, well above a real one's pace;
latency counts from the scheduled start, so queueing is in it). --rate 0 is a closed loop
instead: every client sends its next query as soon as the last one returns, the harshest
reading of "100 concurrent clients", where the readers take every cycle the two cores have
and a daily run beside them crawls (10 such clients on the small demo: the daily run took
558 s instead of about 15 s, on a machine shared with other jobs).
Phase 1: readers alone for --seconds. Phase 2: the same while `cryptopulse run` lands and
merges the next day (extract, enrich, load, models, checks, export), at least --seconds and
until that run ends, at most --daily-timeout. Both phases print a line every --chunk seconds.

    .venv/bin/python benchmarks/postgres_load_test.py [--scale seed|small] [--clients 100]
        [--seconds 60] [--rate QPS] [--chunk 10] [--daily-timeout 900]

Goal: zero errors and p95 under 250 ms, in both phases.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from common import CLI, run_measured
from pg_common import DATABASE, PASSWORD, USER, pg_env, postgres_server

from cryptopulse.sources.demo import SCALES

READER_PASSWORD = "reader-" + os.urandom(6).hex()
THIRTY_DAYS = 30 * 24
# name, weight (%), script; :c picks a coin, :h an hour of the history (pgbench variables).
QUERIES = [
    (
        "hourly",
        60,
        """
select m.hour_ts, m.price, f.total_volume, m.social_volume, m.mean_sentiment
from cryptopulse.mart_coin_social_hourly as m
left join cryptopulse.fct_coin_stats_hourly as f
    on f.coin_id = m.coin_id and f.hour_ts = m.hour_ts
where m.coin_id = (array[{coins}])[:c]
    and m.hour_ts >= timestamp '{first}' + make_interval(hours => :h)
    and m.hour_ts < timestamp '{first}' + make_interval(hours => :h + {window})
order by m.hour_ts;
""",
    ),
    (
        "leadlag",
        25,
        """
select lag_hours, correlation, ci_low, ci_high, is_significant
from cryptopulse.mart_sentiment_price_leadlag
where coin_id = (array[{coins}])[:c]
order by lag_hours;
""",
    ),
    (
        "monthly",
        15,
        """
select coin_id, symbol, year, month, min_price, max_price, max_total_volume, hours_observed
from cryptopulse.agg_coin_stats_monthly
order by coin_id, month_start;
""",
    ),
]


class Readers:
    """pgbench runs of ``clients`` analysts; latencies gathered from its per-query log."""

    def __init__(
        self,
        server: Any,
        work: Path,
        clients: int,
        coins: list[str],
        first: datetime,
        hours: int,
        rate: float | None,
    ):
        self.server, self.work, self.clients, self.rate = server, work, clients, rate
        quoted = ", ".join("'" + coin.replace("'", "''") + "'" for coin in coins)
        span = max(hours - THIRTY_DAYS, 1)
        header = f"\\set c random(1, {len(coins)})\n\\set h random(0, {span})\n"
        self.scripts: list[str] = []
        for name, weight, sql in QUERIES:
            path = work / f"{name}.sql"
            body = sql.format(coins=quoted, first=first.isoformat(sep=" "), window=THIRTY_DAYS)
            path.write_text(header + " ".join(body.split()) + "\n")
            self.scripts.append(f"-f{path}@{weight}")
        self.env = {**os.environ, "PGPASSWORD": READER_PASSWORD}

    def _chunk(self, seconds: int, logs: Path) -> tuple[dict[str, list[float]], int, str]:
        """One pgbench run of ``seconds``: latencies (s) by query, errors, the first error."""
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir(parents=True)
        args = [
            str(self.server.bin / "pgbench"),
            *("-h", "127.0.0.1", "-p", str(self.server.port), "-U", "analyst"),
            *("-n", "-M", "prepared", "-c", str(self.clients), "-j", str(os.cpu_count() or 2)),
            *("-T", str(seconds), "--log", f"--log-prefix={logs / 'q'}"),
            *self.scripts,
        ]
        if self.rate:
            args += ["-R", str(self.rate)]
        done = subprocess.run(
            [*args, DATABASE], env=self.env, capture_output=True, text=True, cwd=logs
        )
        latencies: dict[str, list[float]] = {name: [] for name, _, _ in QUERIES}
        failed = 0
        for log in logs.glob("q*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if fields[2] in ("failed", "skipped"):
                    failed += 1
                    continue
                # With --rate, the wait from the scheduled start (field 6) counts too.
                waited = int(fields[6]) if self.rate and len(fields) > 6 else 0
                latencies[QUERIES[int(fields[3])][0]].append((int(fields[2]) + waited) / 1e6)
        aborted = [line for line in done.stderr.splitlines() if "aborted" in line]
        errors = failed + len(aborted)
        if done.returncode not in (0, 2):  # 2: some clients aborted, counted above
            raise SystemExit(f"pgbench failed:\n{done.stderr[-2000:]}")
        return latencies, errors, (aborted[0] if aborted else "")

    def run(
        self,
        label: str,
        seconds: float,
        chunk: int,
        busy: Callable[[], bool] = lambda: False,
        limit: float = float("inf"),
    ) -> dict[str, Any]:
        """Query in chunks for ``seconds``, and on while ``busy()`` (up to ``limit`` seconds),
        printing a line per chunk."""
        latencies: dict[str, list[float]] = {name: [] for name, _, _ in QUERIES}
        errors, first_error = 0, ""
        began = time.monotonic()
        while True:
            elapsed = time.monotonic() - began
            if elapsed >= limit or (elapsed >= seconds and not busy()):
                break
            part, failed, error = self._chunk(chunk, self.work / "logs")
            for name, values in part.items():
                latencies[name] += values
            errors += failed
            first_error = first_error or error
            done = sorted(v for values in part.values() for v in values)
            print(
                f"  {label}: {time.monotonic() - began:5.0f} s, {len(done):,} queries in the "
                f"last {chunk} s, p95 {_pct(done, 0.95):.0f} ms, errors {failed}",
                flush=True,
            )
        seconds = time.monotonic() - began
        ordered = sorted(v for values in latencies.values() for v in values)
        return {
            "queries": len(ordered),
            "errors": errors,
            "first_error": first_error,
            "qps": len(ordered) / seconds,
            "p50": _pct(ordered, 0.50),
            "p95": _pct(ordered, 0.95),
            "p99": _pct(ordered, 0.99),
            "p95_by_query": {k: _pct(sorted(v), 0.95) for k, v in latencies.items()},
        }


def _pct(ordered: list[float], p: float) -> float:
    """The p-quantile of sorted seconds, in milliseconds (0 with no values)."""
    return ordered[min(int(p * len(ordered)), len(ordered) - 1)] * 1000 if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--rate", type=float, help="total queries/s (default: 2 a client); 0: closed loop"
    )
    parser.add_argument("--chunk", type=int, default=10, help="seconds per progress line")
    parser.add_argument("--daily-timeout", type=float, default=900.0)
    args = parser.parse_args()
    if args.rate is None:
        args.rate = 2.0 * args.clients
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
            span = int((hours[1] - hours[0]).total_seconds() // 3600)
            readers = Readers(server, work, args.clients, coins, hours[0], span, args.rate)
            print(f"phase 1: {args.clients} readers alone, {args.seconds:.0f} s", flush=True)
            phases["readers alone"] = readers.run("alone", args.seconds, args.chunk)
            print("phase 2: the same while a daily run writes", flush=True)
            daily = subprocess.Popen(
                [CLI, "run", "--start", str(last), "--end", str(interval.end)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            began = time.perf_counter()
            # Readers go on until the daily run (extract, enrich, load, models, checks,
            # export) has finished, up to --daily-timeout.
            phases["while a daily run writes"] = readers.run(
                "daily run",
                args.seconds,
                args.chunk,
                busy=lambda: daily.poll() is None,
                limit=args.daily_timeout,
            )
            if daily.poll() is None:
                daily.terminate()
                daily.communicate()
                raise SystemExit(
                    f"the daily run had not finished after {args.daily_timeout:.0f} s under "
                    "the readers' load (stopped): the goal is MISSED"
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
        f"Python {platform.python_version()}, PostgreSQL 15 on loopback, same machine; "
        f"pgbench clients, {'closed loop' if not args.rate else f'{args.rate:.0f} queries/s'}"
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
