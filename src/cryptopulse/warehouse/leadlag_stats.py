"""The lead-lag statistics in numpy: the formulas of mart_sentiment_price_leadlag (and its
agg_sentiment_return_hac) for one coin's hourly series, and the Granger-causality tests of
mart_sentiment_granger.

The SQL models are what the warehouse serves; this module computes the same numbers from
arrays, for the Granger step (warehouse/granger.py), the false-positive benchmark
(benchmarks/leadlag_false_positives.py) and the test that checks SQL and numpy agree.
Formulas: docs/leadlag.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# (block length L in hours, the bootstrap's signs: one row per block of L hours, one column
# per replicate)
Multipliers = tuple[int, npt.NDArray[np.float32]]

MAX_LAG = 24  # lags -24..+24 hours
MIN_PAIRS = 48  # fewer pairs: no correlation
Z_CI = 1.959964  # 95 %
Z_BONFERRONI = 3.71  # |z| above it: significant at family-wise 1 % over the 49 lags
MAX_HAC_LAGS = 12  # var leadlag_max_hac_lags
GRANGER_ORDERS: tuple[int, ...] = (1, 2, 3, 6, 12, 24)
GRANGER_ALPHA = 0.01  # family-wise per coin and direction, Bonferroni over the orders
# Bootstrap replicates: the Bonferroni cut 0.01 / 6 is then 8 exceedances, not 0 (999 would
# leave p-values on a grid of 0.001 at the cut).
GRANGER_REPLICATES = 4999
GRANGER_SEED = 20261206  # fixed: the same multipliers every run, so the mart is idempotent


def sentiment_change(mean_sentiment: FloatArray) -> FloatArray:
    """The hour's mean sentiment minus the mean of the previous 24 hours' (those with a
    value); NaN where the hour has none or none of the 24 before has."""
    s = np.asarray(mean_sentiment, dtype=np.float64)
    valid = np.isfinite(s)
    values = np.where(valid, s, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(values)])
    ccount = np.concatenate([[0], np.cumsum(valid)])
    idx = np.arange(s.size)
    lo = np.maximum(idx - 24, 0)
    total = csum[idx] - csum[lo]
    count = ccount[idx] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        trailing = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return np.where(valid & (count > 0), s - trailing, np.nan)


def newey_west_bandwidth(n: int) -> int:
    """Newey and West's (1994) rule of thumb, floor(4 (n / 100)^(2/9)), capped."""
    return min(MAX_HAC_LAGS, math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


@dataclass(frozen=True)
class LagStat:
    """One row of mart_sentiment_price_leadlag."""

    lag_hours: int
    n_observations: int
    correlation: float | None
    hac_se: float | None
    hac_lags: int | None
    z_score: float | None  # correlation / hac_se
    iid_z_score: float | None  # atanh(r) sqrt(n - 3)

    @property
    def is_significant(self) -> bool:
        return self.z_score is not None and abs(self.z_score) > Z_BONFERRONI

    @property
    def is_iid_significant(self) -> bool:
        return self.iid_z_score is not None and abs(self.iid_z_score) > Z_BONFERRONI


def _shifted(y: FloatArray, k: int) -> FloatArray:
    """y[t + k] at position t (NaN past either end)."""
    out = np.full(y.size, np.nan)
    if abs(k) >= y.size:  # a series shorter than the shift (a coin with few hours)
        return out
    if k >= 0:
        out[: y.size - k] = y[k:]
    else:
        out[-k:] = y[: y.size + k]
    return out


def lag_stat(x: FloatArray, y: FloatArray, k: int) -> LagStat:
    """corr(x_t, y_{t+k}) over the hours with both, its HAC standard error and z-scores.
    ``x`` and ``y`` are one coin's hourly series without gaps (NaN where missing)."""
    partner = _shifted(y, k)
    pair = np.isfinite(x) & np.isfinite(partner)
    n = int(pair.sum())
    if n < MIN_PAIRS:
        return LagStat(k, n, None, None, None, None, None)
    xs, ys = x[pair], partner[pair]
    sd_x, sd_y = xs.std(), ys.std()  # divisor n, as the SQL
    if not (sd_x > 0 and sd_y > 0):
        return LagStat(k, n, None, None, None, None, None)
    products = (xs - xs.mean()) * (ys - ys.mean()) / (sd_x * sd_y)
    r = float(products.mean())
    d = np.zeros(x.size)
    d[pair] = products - r  # 0 in hours without a pair
    bandwidth = newey_west_bandwidth(n)
    total = float(d @ d)
    for j in range(1, bandwidth + 1):
        total += 2.0 * (1.0 - j / (bandwidth + 1.0)) * float(d[j:] @ d[:-j])
    hac_se = math.sqrt(max(total, 0.0)) / n
    clipped = min(max(r, -0.999999), 0.999999)
    iid_z = math.atanh(clipped) * math.sqrt(n - 3)
    return LagStat(k, n, r, hac_se, bandwidth, r / hac_se if hac_se > 0 else None, iid_z)


def lagged_correlations(x: FloatArray, y: FloatArray, max_lag: int = MAX_LAG) -> list[LagStat]:
    return [lag_stat(x, y, k) for k in range(-max_lag, max_lag + 1)]


def best_lag(stats: Sequence[LagStat], iid: bool = False) -> int | None:
    """The significant lag with the largest |correlation| (ties: the shorter, then the
    earlier lag), None when no lag is significant; ``iid`` uses the i.i.d. z-score."""
    significant = [s for s in stats if (s.is_iid_significant if iid else s.is_significant)]
    if not significant:
        return None
    best = min(
        significant, key=lambda s: (-abs(s.correlation or 0.0), abs(s.lag_hours), s.lag_hours)
    )
    return best.lag_hours


@dataclass(frozen=True)
class GrangerTest:
    """One row of mart_sentiment_granger: does ``cause`` help predict ``effect``?"""

    lag_order: int
    n_observations: int
    lm_statistic: float | None  # the heteroskedasticity-robust score statistic
    df_num: int  # its degrees of freedom, the restrictions: lag_order
    p_value: float | None  # by the block wild bootstrap
    block_hours: int | None


def bootstrap_multipliers(
    n_hours: int, replicates: int = GRANGER_REPLICATES, seed: int = GRANGER_SEED
) -> Multipliers:
    """(block length L, Rademacher multipliers of shape (n_hours // L + 1, replicates)): one
    sign per block of L consecutive hours and replicate, from a fixed seed, so the mart is
    the same every run. L is the Newey-West bandwidth of the series' hours."""
    block = max(1, newey_west_bandwidth(n_hours))
    rng = np.random.default_rng(seed)
    signs = rng.integers(0, 2, size=(n_hours // block + 1, replicates), dtype=np.int8)
    return block, (2 * signs - 1).astype(np.float32)


def granger_test(
    effect: FloatArray,
    cause: FloatArray,
    order: int,
    multipliers: Multipliers | None = None,
) -> GrangerTest:
    """effect_t = c + sum_i a_i effect_{t-i} + sum_i b_i cause_{t-i} + e_t, i = 1..order, over
    the hours where every term exists; H0: all b_i = 0. The statistic is the robust score
    (LM) statistic of the restricted fit, its p-value from a block wild bootstrap under H0
    (formulas: docs/leadlag.md). ``multipliers`` from ``bootstrap_multipliers`` (made for
    the series' length when not given; pass them to share them between tests)."""
    size = effect.size
    block, signs = multipliers if multipliers is not None else bootstrap_multipliers(size)
    own = np.column_stack([np.ones(size)] + [_shifted(effect, -i) for i in range(1, order + 1)])
    lagged = np.column_stack([_shifted(cause, -i) for i in range(1, order + 1)])
    rows = np.isfinite(effect) & np.isfinite(own).all(axis=1) & np.isfinite(lagged).all(axis=1)
    n = int(rows.sum())
    # Many regressors per observation make any robust test unreliable: at least 10
    # observations per parameter (order 24 needs 490 hours, three weeks with every hour).
    if n < max(MIN_PAIRS, 10 * (1 + 2 * order)):
        return GrangerTest(order, n, None, order, None, None)
    # Frisch-Waugh: partial the constant and the effect's own lags out of the effect (the
    # restricted residuals u) and out of the cause's lags (x), then the score is x'u.
    basis, _ = np.linalg.qr(own[rows])
    u = effect[rows] - basis @ (basis.T @ effect[rows])
    x = lagged[rows] - basis @ (basis.T @ lagged[rows])
    scores = x * u[:, None]  # one row per hour: its contribution to the score
    try:
        root = np.linalg.cholesky(scores.T @ scores)
    except np.linalg.LinAlgError:  # a cause without variation: nothing to test
        return GrangerTest(order, n, None, order, None, block)
    standardized = np.linalg.solve(root, scores.sum(axis=0))
    statistic = float(standardized @ standardized)
    # The bootstrap flips the sign of every hour's residual in a block of L hours together:
    # the block sums of the score keep the autocorrelation within a block and its
    # heteroskedasticity; the studentizer (scores'scores) does not change under a flip.
    block_of = np.flatnonzero(rows) // block
    firsts = np.flatnonzero(np.r_[True, block_of[1:] != block_of[:-1]])
    block_sums = np.linalg.solve(root, np.add.reduceat(scores, firsts, axis=0).T)
    replicated = block_sums.astype(np.float32) @ signs[block_of[firsts]]
    exceed = int((np.einsum("ij,ij->j", replicated, replicated) >= statistic).sum())
    p_value = (1 + exceed) / (signs.shape[1] + 1)
    return GrangerTest(order, n, statistic, order, p_value, block)


def granger_tests(
    effect: FloatArray,
    cause: FloatArray,
    orders: Sequence[int] = GRANGER_ORDERS,
    multipliers: Multipliers | None = None,
) -> list[GrangerTest]:
    shared = multipliers if multipliers is not None else bootstrap_multipliers(effect.size)
    return [granger_test(effect, cause, order, shared) for order in orders]


def granger_rejects(tests: Sequence[GrangerTest], alpha: float = GRANGER_ALPHA) -> bool:
    """ "No causality" rejected at family-wise ``alpha`` (Bonferroni over the orders)."""
    cutoff = alpha / max(len(tests), 1)
    return any(t.p_value is not None and t.p_value < cutoff for t in tests)
