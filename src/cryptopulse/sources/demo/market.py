"""Hourly market stats as seeded random walks, deterministic day by day.

The walk starts at ``DEMO_EPOCH`` and each day's random draws come from their own stream,
``default_rng([seed, MARKET_STREAM, day.toordinal()])``, so a day's figures never depend on
which interval was asked for. The state a day needs (last log price, volatility regime,
the last 23 hourly volumes) is carried from the epoch onwards, so ``MarketModel`` computes
days in order once and caches them; later requests only slice the cache.

Model, per coin c and hour t (all vectorised over coins and hours, looped over days only):

* volatility regime: a daily log-vol ``h`` following AR(1), part market-wide, part own;
* log-return ``r = mu_d + sigma_c * exp(h - var_h) * rhythm_t * z``, with
  ``z = beta * m_t + sqrt(1 - beta^2) * e_ct`` (optionally made persistent, an AR(1) with
  ``return_persistence``, keeping unit variance) and Student-t(4) shocks scaled to unit
  variance (fat tails; ``m`` is the common market factor, so coins move together) and a
  mild drift ``mu_d`` that also weakly pulls the price back towards its long-run trend;
* stablecoins: price ``1 + small noise`` (no walk), ``z`` their standardised log-return;
* market cap = price * supply, the supply growing smoothly at the coin's yearly rate;
* volume: hourly USD volume with a UTC daily rhythm, lognormal noise, spikes when ``|z|`` is
  large and more trading in turbulent regimes; ``total_volume`` is the rolling 24 h sum,
  as CoinGecko reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cryptopulse.core.datasets import COIN_HOURLY, UTC_TS
from cryptopulse.sources.demo.coins import DEMO_COINS, DemoCoin

FloatArray = npt.NDArray[np.float64]

DEMO_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
EPOCH_DAY = DEMO_EPOCH.date()
MARKET_STREAM = 1
BAD_PRICE_STREAM = 3
HOURS_PER_YEAR = 24 * 365.25

_T_DF = 4.0  # Student-t degrees of freedom: fat but finite-variance tails
_T_SCALE = float(np.sqrt(_T_DF / (_T_DF - 2.0)))  # t(4) has variance 2
_Z_CLIP = 12.0  # keep a freak draw from producing a 100-sigma hour
_DRIFT = 0.15 / HOURS_PER_YEAR  # mild upward drift: ~15 %/year in log terms
# Weak pull of the log price towards its drifting starting level (half-life ~9 months):
# invisible hour to hour, but it keeps multi-year paths in a plausible range.
_REVERSION = np.log(2.0) / (0.75 * HOURS_PER_YEAR)
_BETA = 0.65  # loading on the market factor
_REGIME_PHI = 0.92  # persistence of the daily vol regime
_REGIME_MARKET_SD = 0.15
_REGIME_OWN_SD = 0.12
_REGIME_VAR = (_REGIME_MARKET_SD**2 + _REGIME_OWN_SD**2) / (1.0 - _REGIME_PHI**2)
_STABLE_SD = 0.0004  # stablecoin deviation from the peg
_STABLE_CLIP = 0.004
_VOLUME_NOISE_SD = 0.35

_FIELDS = ("price", "market_cap", "total_volume", "log_return", "z", "news", "vol")
_HOUR = np.arange(24)
# Trading activity by UTC hour: quietest around 05 UTC, busiest in US hours (~17 UTC).
_ACTIVITY = 1.0 + 0.45 * np.cos(2.0 * np.pi * (_HOUR - 17) / 24.0)
VOLUME_RHYTHM: FloatArray = _ACTIVITY / _ACTIVITY.mean()
# Intraday volatility follows activity, scaled so its mean square is 1 (keeps daily variance).
_VOL_RHYTHM: FloatArray = np.sqrt(VOLUME_RHYTHM) / np.sqrt(VOLUME_RHYTHM.mean())


def _check_day(day: date) -> None:
    if day < EPOCH_DAY:
        raise ValueError(
            f"the demo market starts at {EPOCH_DAY.isoformat()} (DEMO_EPOCH); "
            f"no data for {day.isoformat()}"
        )


def day_start_us(day: date) -> int:
    """Microseconds since the Unix epoch of ``day`` 00:00 UTC."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def _student_t(rng: np.random.Generator, shape: tuple[int, ...]) -> FloatArray:
    draws = rng.standard_t(_T_DF, size=shape) / _T_SCALE
    return np.clip(draws, -_Z_CLIP, _Z_CLIP)


@dataclass(frozen=True)
class MarketWindow:
    """Market arrays of shape (n_coins, n_hours), hour 0 being ``start`` (UTC)."""

    start: datetime
    price: FloatArray
    market_cap: FloatArray
    total_volume: FloatArray  # USD traded over the 24 h ending at the hour
    log_return: FloatArray  # log(price[t] / price[t - 1])
    z: FloatArray  # the return's standardised shock (unit variance)
    # The hour's new information, unit variance: ``z`` itself, or with persistent returns the
    # innovation of z's AR(1). The planted lead of sentiment is on it, so sentiment knows
    # the coming news, not the past returns that persistence carries into later hours.
    news: FloatArray
    vol: FloatArray  # the return's volatility relative to the coin's normal (mean square 1)


class MarketModel:
    """Seeded hourly market for ``coins``, computed from the epoch and cached."""

    def __init__(
        self,
        seed: int,
        coins: Sequence[DemoCoin] = DEMO_COINS,
        return_persistence: float = 0.0,
    ) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        if not 0.0 <= return_persistence < 1.0:
            raise ValueError(f"return_persistence must be in [0, 1), got {return_persistence}")
        self.seed = seed
        # AR(1) coefficient of the standardised shocks (0: independent hours, the default)
        self.return_persistence = return_persistence
        self.coins = tuple(coins)
        n = len(self.coins)
        self._stable = np.array([c.stable for c in self.coins])
        self._sigma = np.array([c.hourly_vol for c in self.coins])
        self._price0 = np.array([c.price for c in self.coins])
        self._supply0 = np.array([c.supply for c in self.coins])
        self._growth = np.array([c.supply_growth for c in self.coins])
        self._mcap0 = self._price0 * self._supply0
        self._hourly_volume0 = np.array([c.daily_volume for c in self.coins]) / 24.0
        self._coin_ids = pa.array([c.coin_id for c in self.coins], pa.string())
        # Carried state at the end of the last computed day.
        self._logp = np.log(self._price0)
        self._regime = np.zeros(n)
        self._last_z = np.zeros(n)  # the last hour's shock, for persistent returns
        # Rolling-volume history before the epoch: typical volumes at their usual rhythm.
        self._last_volumes = self._hourly_volume0[:, None] * VOLUME_RHYTHM[None, 1:]
        self._days = 0  # days computed so far
        # Hour-indexed arrays from the epoch; capacity doubles so extending is amortised O(1).
        self._cache: dict[str, FloatArray] = {f: np.empty((n, 0)) for f in _FIELDS}

    @property
    def n_coins(self) -> int:
        return len(self.coins)

    def window(self, day: date, n_hours: int) -> MarketWindow:
        """``n_hours`` hours from ``day`` 00:00 UTC on (may run into the following days)."""
        _check_day(day)
        if n_hours < 0:
            raise ValueError(f"n_hours must be >= 0, got {n_hours}")
        first = (day - EPOCH_DAY).days * 24
        self._extend(-(-(first + n_hours) // 24))
        sl = slice(first, first + n_hours)
        views = {name: values[:, sl] for name, values in self._cache.items()}
        for view in views.values():
            view.flags.writeable = False  # views into the cache: callers must not edit them
        return MarketWindow(
            start=datetime(day.year, day.month, day.day, tzinfo=UTC),
            price=views["price"],
            market_cap=views["market_cap"],
            total_volume=views["total_volume"],
            log_return=views["log_return"],
            z=views["z"],
            news=views["news"],
            vol=views["vol"],
        )

    def day_table(self, day: date, bad_record_rate: float = 0.0) -> pa.Table:
        """One day of COIN_HOURLY records, coin by coin, hour by hour.

        With ``bad_record_rate`` > 0 each row independently gets, with that probability, a
        zero or negative price (deterministically, from its own stream), so the lake's
        quarantine has something to catch.
        """
        w = self.window(day, 24)
        n = self.n_coins
        price = w.price.reshape(-1).copy()
        if bad_record_rate > 0.0:
            rng = np.random.default_rng([self.seed, BAD_PRICE_STREAM, day.toordinal()])
            bad = rng.random(price.size) < bad_record_rate
            flip = rng.random(price.size) < 0.5
            price[bad] = np.where(flip[bad], 0.0, -price[bad])
        ts = day_start_us(day) + np.tile(_HOUR, n).astype(np.int64) * 3_600_000_000
        table = pa.table(
            {
                "coin_id": self._coin_ids.take(np.repeat(np.arange(n), 24)),
                "ts": pa.array(ts, type=UTC_TS),
                "price": pa.array(price, pa.float64()),
                "market_cap": pa.array(w.market_cap.reshape(-1), pa.float64()),
                "total_volume": pa.array(w.total_volume.reshape(-1), pa.float64()),
            }
        )
        return table.cast(COIN_HOURLY.schema)

    # -- internals ------------------------------------------------------------------------

    def _extend(self, n_days: int) -> None:
        """Compute days until ``n_days`` days from the epoch are cached."""
        if n_days <= self._days:
            return
        capacity = self._cache["price"].shape[1] // 24
        if n_days > capacity:
            capacity = max(n_days, 2 * capacity, 64)
            for name, old in self._cache.items():
                grown = np.empty((self.n_coins, capacity * 24))
                grown[:, : old.shape[1]] = old
                self._cache[name] = grown
        for d in range(self._days, n_days):
            arrays = self._step(EPOCH_DAY + timedelta(days=d))
            for name, values in arrays.items():
                self._cache[name][:, d * 24 : (d + 1) * 24] = values
        self._days = n_days

    def _step(self, day: date) -> dict[str, FloatArray]:
        """Advance the state by one day and return that day's (n_coins, 24) arrays."""
        n = self.n_coins
        rng = np.random.default_rng([self.seed, MARKET_STREAM, day.toordinal()])
        # Draw every array for every coin, in a fixed order, so the streams stay aligned
        # whatever the coin mix.
        regime_market = rng.standard_normal()
        regime_own = rng.standard_normal(n)
        market = _student_t(rng, (24,))
        own = _student_t(rng, (n, 24))
        stable_noise = _student_t(rng, (n, 24))
        volume_noise = rng.standard_normal((n, 24))

        self._regime = (
            _REGIME_PHI * self._regime
            + _REGIME_MARKET_SD * regime_market
            + _REGIME_OWN_SD * regime_own
        )
        vol_mult = np.exp(self._regime - _REGIME_VAR)  # E[vol_mult^2] == 1
        z = _BETA * market[None, :] + np.sqrt(1.0 - _BETA**2) * own
        news = z
        if self.return_persistence > 0.0:
            # Persistent returns (smoothed or overlapping ones): an AR(1) of the shocks that
            # keeps their unit variance. Off (0) leaves the draws exactly as they were.
            phi = self.return_persistence
            persistent = np.empty_like(z)
            last = self._last_z
            for hour in range(24):
                last = phi * last + np.sqrt(1.0 - phi**2) * z[:, hour]
                persistent[:, hour] = last
            self._last_z = last
            z = persistent
        sd = self._sigma[:, None] * vol_mult[:, None] * _VOL_RHYTHM[None, :]
        first_hour = (day - EPOCH_DAY).days * 24
        anchor = np.log(self._price0) + _DRIFT * first_hour
        drift = _DRIFT - _REVERSION * (self._logp - anchor)  # fixed for the day
        walk_logp = self._logp[:, None] + np.cumsum(drift[:, None] + sd * z, axis=1)

        # Stablecoins: iid deviations from the peg; their "shock" is the standardised change.
        peg_logp = np.log1p(np.clip(_STABLE_SD * stable_noise, -_STABLE_CLIP, _STABLE_CLIP))
        logp = np.where(self._stable[:, None], peg_logp, walk_logp)
        prev = np.concatenate([self._logp[:, None], logp[:, :-1]], axis=1)
        log_return = logp - prev
        z = np.where(self._stable[:, None], log_return / (_STABLE_SD * np.sqrt(2.0)), z)
        news = np.where(self._stable[:, None], z, news)

        price = np.exp(logp)
        hours = first_hour + _HOUR
        supply = self._supply0[:, None] * np.exp(self._growth[:, None] * hours / HOURS_PER_YEAR)
        market_cap = price * supply

        # Hourly volume: scales (sub-linearly) with market cap, follows the UTC rhythm, is
        # noisier and larger in turbulent regimes and spikes with big moves.
        level = (market_cap / self._mcap0[:, None]) ** 0.6
        noise = np.exp(_VOLUME_NOISE_SD * volume_noise - 0.5 * _VOLUME_NOISE_SD**2)
        spike = np.minimum(1.0 + 0.5 * z**2, 12.0)
        turbulence = np.exp(0.5 * self._regime)[:, None]
        hourly = self._hourly_volume0[:, None] * VOLUME_RHYTHM * level * noise * spike * turbulence
        history = np.concatenate([self._last_volumes, hourly], axis=1)  # (n, 47)
        cum = np.concatenate([np.zeros((n, 1)), np.cumsum(history, axis=1)], axis=1)
        total_volume = cum[:, 24:] - cum[:, :-24]

        self._logp = logp[:, -1].copy()
        self._last_volumes = hourly[:, 1:].copy()
        return {
            "price": price,
            "market_cap": market_cap,
            "total_volume": total_volume,
            "log_return": log_return,
            "z": z,
            "news": news,
            "vol": vol_mult[:, None] * _VOL_RHYTHM[None, :],
        }
