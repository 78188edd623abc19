"""A fake CoinGecko API on 127.0.0.1, for the tests and the rate-limit benchmark.

It serves ``/coins/list``, ``/coins/markets`` and ``/coins/{id}/market_chart/range`` with
deterministic synthetic series whose values depend only on the coin and the hour (so any
windowing of a range gives the same rows), shaped like the real thing:

* hourly points a few seconds after the hour, some a little *before* it, for ranges of up
  to 90 days; daily points at 00:00 UTC beyond 90 days;
* the trailing "now" point when a range reaches the present; stray off-grid points;
  duplicate timestamps (exact repeats and a second point in the same hour);
* gaps in one series: coin #1 misses some volumes, coin #2 some prices (those rows end up
  in quarantine), coin #3 some market caps; a coin listed late has no points before that;

and injects faults on demand, at random (``fault_rate``, seeded) or scripted (``script``):
429 bursts with and without ``Retry-After``, 500/503, slow answers past the client's
timeout, truncated JSON, connections closed without an answer, and empty arrays (never
twice in a row for the same request: a glitch, not the truth). It can also enforce a
calls-per-minute quota (429 beyond it, per rolling minute), the 365-day history limit of
keyless and Demo access (error 10012), and API keys (401 for a wrong one; the answer
echoes the key, as some APIs do, so the tests can check that the client redacts it).
Every request is logged (path, parameters, status, fault) for the tests to count.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fake_api import LoopbackServer

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
PREFIX = "/api/v3"
FAULT_KINDS = ("429", "429-retry-after", "500", "503", "slow", "truncated", "reset", "empty")


@dataclass(frozen=True)
class FakeCoin:
    id: str
    symbol: str
    name: str
    price: float
    supply: float
    volume: float
    listed: date | None = None  # no history before this day


FAKE_COINS: tuple[FakeCoin, ...] = (
    FakeCoin("bitcoin", "btc", "Bitcoin", 60_000.0, 19.7e6, 30e9),
    FakeCoin("ethereum", "eth", "Ethereum", 3_000.0, 120e6, 15e9),
    FakeCoin("tether", "usdt", "Tether", 1.0, 110e9, 50e9),
    FakeCoin("solana", "sol", "Solana", 150.0, 460e6, 3e9),
    FakeCoin("ripple", "xrp", "XRP", 0.6, 55e9, 1.5e9),
    FakeCoin("dogecoin", "doge", "Dogecoin", 0.12, 145e9, 1e9),
    FakeCoin("cardano", "ada", "Cardano", 0.45, 35e9, 4e8),
    FakeCoin("avalanche-2", "avax", "Avalanche", 30.0, 400e6, 4e8),
    FakeCoin("chainlink", "link", "Chainlink", 14.0, 600e6, 3e8),
    FakeCoin("polkadot", "dot", "Polkadot", 6.0, 1.4e9, 2e8),
)
# Coins in /coins/list only (CoinGecko lists ~17k); one shares bitcoin's symbol.
FILLER_COINS = [("bitcoin-on-mars", "btc", "Bitcoin on Mars")] + [
    (f"filler-coin-{i:03d}", f"f{i:03d}", f"Filler Coin {i}") for i in range(40)
]


@dataclass
class Request:
    path: str
    params: dict[str, str]
    at: float
    status: int = 0
    fault: str | None = None
    key: str | None = None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[Request] = field(default_factory=list)
    script: deque[tuple[str, str]] = field(default_factory=deque)
    quota: deque[float] = field(default_factory=deque)
    last_fault: dict[str, str | None] = field(default_factory=dict)


class FakeCoinGecko(LoopbackServer):
    """Start with ``with FakeCoinGecko(...) as fake:``; ``fake.url`` is the API root."""

    def __init__(
        self,
        coins: tuple[FakeCoin, ...] = FAKE_COINS,
        *,
        now: datetime | None = None,
        fault_rate: float = 0.0,
        fault_kinds: tuple[str, ...] = FAULT_KINDS,
        seed: int = 1,
        retry_after: str = "1",
        slow_seconds: float = 1.0,
        latency: float = 0.0,
        chart_latency: float = 0.0,
        history_limit_days: int | None = None,
        history_limit_coins: frozenset[str] | None = None,
        demo_keys: tuple[str, ...] = (),
        pro_keys: tuple[str, ...] = (),
        rate_limit_per_minute: int | None = None,
    ) -> None:
        self.coins = coins
        self.index = {c.id: i for i, c in enumerate(coins)}
        self.now = now or datetime.now(UTC)
        self.fault_rate = fault_rate
        self.fault_kinds = fault_kinds
        self.rng = random.Random(seed)
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.latency = latency
        self.chart_latency = chart_latency
        self.history_limit_days = history_limit_days
        self.history_limit_coins = history_limit_coins
        self.demo_keys = demo_keys
        self.pro_keys = pro_keys
        self.rate_limit_per_minute = rate_limit_per_minute
        self.state = _State()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    # ---- what the tests look at ---------------------------------------------------------
    def script(self, *kinds: str, path_contains: str = "") -> None:
        """Answer the next requests whose path contains ``path_contains`` with these faults."""
        with self.state.lock:
            self.state.script.extend((path_contains, kind) for kind in kinds)

    @property
    def requests(self) -> list[Request]:
        with self.state.lock:
            return list(self.state.requests)

    def chart_requests(self, status: int | None = 200) -> list[tuple[str, int, int]]:
        """(coin, from, to) of market_chart requests (with that status; None = all)."""
        out = []
        for r in self.requests:
            if r.path.endswith("/market_chart/range") and (status is None or r.status == status):
                out.append((r.path.split("/")[2], int(r.params["from"]), int(r.params["to"])))
        return out

    def faults(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.requests:
            if r.fault:
                counts[r.fault] = counts.get(r.fault, 0) + 1
        return counts

    # ---- the synthetic market -----------------------------------------------------------
    def point_ms(self, ci: int, hour: int) -> int:
        if (hour + ci) % 53 == 0:
            return hour * HOUR_MS - 30_000  # a little before its hour
        return hour * HOUR_MS + 20_000 + (hour * 7919 + ci * 104_729) % 60_000

    def price(self, ci: int, hour: int) -> float:
        base = self.coins[ci].price
        return base * (1 + 0.25 * math.sin(hour / 97 + ci) + 0.05 * math.sin(hour / 5.3 + 2 * ci))

    def market_cap(self, ci: int, hour: int) -> float:
        return self.price(ci, hour) * self.coins[ci].supply

    def volume(self, ci: int, hour: int) -> float:
        return self.coins[ci].volume * (1 + 0.5 * math.sin(2 * math.pi * (hour % 24) / 24 + ci))

    def has_price(self, ci: int, hour: int) -> bool:
        return not (ci == 2 and hour % 173 == 7)

    def has_market_cap(self, ci: int, hour: int) -> bool:
        return not (ci == 3 and hour % 131 == 5)

    def has_volume(self, ci: int, hour: int) -> bool:
        return not (ci == 1 and hour % 101 == 3)

    def _listed_hour(self, ci: int) -> int:
        listed = self.coins[ci].listed
        if listed is None:
            return -(10**9)
        return int(datetime(listed.year, listed.month, listed.day, tzinfo=UTC).timestamp()) // 3600

    def hours(self, coin_id: str, start: date, end: date) -> list[int]:
        """Hours of [start, end) the coin has any point for (listed, not in the future)."""
        ci = self.index[coin_id]
        first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) // 3600
        stop = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp()) // 3600
        now_hour = int(self.now.timestamp()) // 3600
        lo = max(first, self._listed_hour(ci))
        return [
            h for h in range(lo, stop) if h <= now_hour and self.point_ms(ci, h) <= self._now_ms
        ]

    def expected_raw_hours(self, coin_id: str, start: date, end: date) -> list[int]:
        """The hours that land in raw/ (an hour without a price goes to quarantine)."""
        ci = self.index[coin_id]
        return [h for h in self.hours(coin_id, start, end) if self.has_price(ci, h)]

    def missing_price_hours(self, coin_id: str, start: date, end: date) -> list[int]:
        ci = self.index[coin_id]
        return [h for h in self.hours(coin_id, start, end) if not self.has_price(ci, h)]

    @property
    def _now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def market_chart(self, ci: int, start_ms: int, end_ms: int) -> dict[str, list[list[float]]]:
        prices: list[list[float]] = []
        caps: list[list[float]] = []
        volumes: list[list[float]] = []
        listed = self._listed_hour(ci)
        end_ms = min(end_ms, self._now_ms)
        if end_ms - start_ms > 90 * DAY_MS:  # long ranges come back daily
            day = -(-start_ms // DAY_MS)
            while day * DAY_MS <= end_ms:
                h = day * 24
                if h >= listed:
                    ms = day * DAY_MS
                    prices.append([ms, self.price(ci, h)])
                    caps.append([ms, self.market_cap(ci, h)])
                    volumes.append([ms, self.volume(ci, h)])
                day += 1
            return {"prices": prices, "market_caps": caps, "total_volumes": volumes}
        for h in range(start_ms // HOUR_MS - 1, end_ms // HOUR_MS + 2):
            ms = self.point_ms(ci, h)
            if not start_ms <= ms <= end_ms or h < listed:
                continue
            points = [ms]
            if (h + ci) % 67 == 0:
                points.append(ms)  # the same timestamp twice
            for p in points:
                if self.has_price(ci, h):
                    prices.append([p, self.price(ci, h)])
                if self.has_market_cap(ci, h):
                    caps.append([p, self.market_cap(ci, h)])
                if self.has_volume(ci, h):
                    volumes.append([p, self.volume(ci, h)])
            second = h * HOUR_MS + 95_000  # a second point in the same hour, farther from it
            if (h + ci) % 41 == 0 and start_ms <= second <= end_ms and self.has_price(ci, h):
                prices.append([second, self.price(ci, h) * 1.001])
            stray = h * HOUR_MS + 30 * 60_000  # half past: off the hour grid
            if (h + ci) % 89 == 0 and start_ms <= stray <= end_ms:
                prices.append([stray, self.price(ci, h) * 0.999])
        if end_ms >= self._now_ms - 1000:  # the range reaches now: the trailing "now" point
            h = self._now_ms // HOUR_MS
            prices.append([self._now_ms, self.price(ci, h)])
            caps.append([self._now_ms, self.market_cap(ci, h)])
            volumes.append([self._now_ms, self.volume(ci, h)])
        for series in (prices, caps, volumes):
            series.sort(key=lambda p: p[0])
        return {"prices": prices, "market_caps": caps, "total_volumes": volumes}

    # ---- serving ------------------------------------------------------------------------
    def _pick_fault(self, path: str, query_key: str) -> str | None:
        with self.state.lock:
            for i, (needle, scripted) in enumerate(self.state.script):
                if needle in path:
                    del self.state.script[i]
                    return scripted
            if self.fault_rate <= 0 or self.rng.random() >= self.fault_rate:
                self.state.last_fault[query_key] = None
                return None
            kind: str | None = self.rng.choice(self.fault_kinds)
            if kind == "empty" and not path.endswith("/market_chart/range"):
                kind = "500"
            if kind == "empty" and self.state.last_fault.get(query_key) == "empty":
                kind = None  # an empty answer is a glitch, not twice in a row
            self.state.last_fault[query_key] = kind
            return kind

    def _over_quota(self) -> float | None:
        """Seconds until a slot frees up if the per-minute quota is used up, else None."""
        if self.rate_limit_per_minute is None:
            return None
        with self.state.lock:
            now = time.monotonic()
            while self.state.quota and self.state.quota[0] <= now - 60.0:
                self.state.quota.popleft()
            if len(self.state.quota) >= self.rate_limit_per_minute:
                return self.state.quota[0] + 60.0 - now
            self.state.quota.append(now)
            return None


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"status": {"error_code": code, "error_message": message}}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeCoinGecko
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        path = unquote(url.path)
        params = dict(parse_qsl(url.query))
        pro = self.headers.get("x-cg-pro-api-key")
        demo = self.headers.get("x-cg-demo-api-key")
        record = Request(path.removeprefix(PREFIX), params, time.monotonic(), key=pro or demo)
        with fake.state.lock:
            fake.state.requests.append(record)
        if fake.latency:
            time.sleep(fake.latency)

        if pro is not None and pro not in fake.pro_keys:
            return self._send(record, 401, _error(10010, f"Invalid API key {pro!r}"))
        if demo is not None and demo not in fake.demo_keys:
            return self._send(record, 401, _error(10011, f"Invalid API key {demo!r}"))
        wait = fake._over_quota()
        if wait is not None:
            limited = {"status": {"error_code": 429, "error_message": "You've exceeded the limit"}}
            return self._send(record, 429, limited, {"Retry-After": str(math.ceil(wait))})

        fault = fake._pick_fault(record.path, url.query + record.path)
        record.fault = fault
        if fault == "reset":
            record.status = -1
            self.close_connection = True
            return None
        if fault in ("429", "429-retry-after"):
            headers = {"Retry-After": fake.retry_after} if fault == "429-retry-after" else {}
            throttled = {"status": {"error_code": 429, "error_message": "Throttled"}}
            return self._send(record, 429, throttled, headers)
        if fault in ("500", "503"):
            return self._send(record, int(fault), {"error": "internal error"})
        if fault == "slow":
            time.sleep(fake.slow_seconds)

        status, body = self._route(record.path, params, pro is not None)
        if fault == "empty" and status == 200:
            body = {"prices": [], "market_caps": [], "total_volumes": []}
        if fault == "truncated" and status == 200:
            data = json.dumps(body).encode()
            return self._send_bytes(record, 200, data[: max(1, len(data) // 2)])
        return self._send(record, status, body)

    def _route(self, path: str, params: dict[str, str], pro: bool) -> tuple[int, Any]:
        """(status, body) of a request that got no fault."""
        fake = self.fake
        if path == "/coins/list":
            listed = [{"id": c.id, "symbol": c.symbol, "name": c.name} for c in fake.coins]
            listed += [{"id": i, "symbol": s, "name": n} for i, s, n in FILLER_COINS]
            return 200, sorted(listed, key=lambda c: c["id"])
        if path == "/coins/markets":
            per_page, page = int(params.get("per_page", 100)), int(params.get("page", 1))
            if params.get("vs_currency") != "usd" or params.get("order") != "market_cap_desc":
                return 400, {"error": "unexpected parameters"}
            now_hour = int(fake.now.timestamp()) // 3600
            ranked = sorted(range(len(fake.coins)), key=lambda i: -fake.market_cap(i, now_hour))[
                (page - 1) * per_page : page * per_page
            ]
            return 200, [
                {
                    "id": fake.coins[i].id,
                    "symbol": fake.coins[i].symbol,
                    "name": fake.coins[i].name,
                    "current_price": fake.price(i, now_hour),
                    "market_cap": fake.market_cap(i, now_hour),
                    "market_cap_rank": rank + 1 + (page - 1) * per_page,
                }
                for rank, i in enumerate(ranked)
            ]
        parts = path.split("/")
        if len(parts) == 5 and parts[1] == "coins" and parts[3:] == ["market_chart", "range"]:
            coin_id = parts[2]
            if coin_id not in fake.index:
                return 404, {"error": "coin not found"}
            if params.get("vs_currency") != "usd":
                return 400, {"error": "invalid vs_currency"}
            start_ms, end_ms = int(float(params["from"]) * 1000), int(float(params["to"]) * 1000)
            limit = fake.history_limit_days
            limited = fake.history_limit_coins is None or coin_id in fake.history_limit_coins
            if limit is not None and limited and not pro:
                oldest = fake.now - timedelta(days=limit)
                if start_ms < int(oldest.timestamp() * 1000):
                    return 401, _error(
                        10012,
                        "Your request exceeds the allowed time range. Public API users are "
                        "limited to querying historical data within the past 365 days.",
                    )
            if fake.chart_latency:
                time.sleep(fake.chart_latency)
            return 200, fake.market_chart(fake.index[coin_id], start_ms, end_ms)
        return 404, {"error": "Not Found"}

    def _send(
        self, record: Request, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        self._send_bytes(record, status, json.dumps(body).encode(), headers)

    def _send_bytes(
        self, record: Request, status: int, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        record.status = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True


FakeCoinGecko.handler_class = _Handler
