"""What the pages show, as DataFrames: plain SQL over the marts, shaped with pandas.

Every function takes ``frame`` (SQL -> DataFrame, e.g. ``Marts.frame``) and returns data
ready to draw. The SQL is what every engine runs (``MartReader``): plain selects, joins and
group-bys, ``date_trunc``, ``cast``, ``TIMESTAMP``/``DATE`` literals; anything fancier
happens in pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pandas as pd

from cryptopulse.serve.dashboard import columns as col

Frame = Callable[[str], pd.DataFrame]
GRAINS = ("hour", "day")


# ---- literals ----------------------------------------------------------------------------
def text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def timestamp(value: datetime) -> str:
    """A SQL timestamp literal (UTC, without time zone, as the marts store hours)."""
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time())


def _range(column: str, start: date, end: date) -> str:
    """``column`` within the UTC days [start, end] (both included, as a date picker means)."""
    first, after = day_start(start), day_start(end + timedelta(days=1))
    return f"{column} >= {timestamp(first)} and {column} < {timestamp(after)}"


def _float(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Numeric columns as floats (exact decimals of some engines included)."""
    for name in names:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


# ---- coins and time span -----------------------------------------------------------------
def coins(frame: Frame) -> pd.DataFrame:
    """coin_id, symbol, name, label — the largest by market cap first."""
    result = frame(
        f"select c.coin_id, c.symbol, c.name, max(m.max_market_cap) as market_cap "
        f"from {col.COINS_TABLE} as c left join {col.MONTHLY_TABLE} as m "
        f"on m.coin_id = c.coin_id group by c.coin_id, c.symbol, c.name"
    )
    result = _float(result, "market_cap")
    result = result.sort_values(["market_cap", "name"], ascending=[False, True], na_position="last")
    result["label"] = result["name"] + " (" + result["symbol"].str.upper() + ")"
    return result.reset_index(drop=True)[["coin_id", "symbol", "name", "label"]]


def hour_span(frame: Frame) -> tuple[datetime, datetime] | None:
    """The first and last hour of the social mart (market or posts), None when empty."""
    span = frame(
        f"select min(hour_ts) as first_hour, max(hour_ts) as last_hour from {col.SOCIAL_TABLE}"
    )
    if span.empty or pd.isna(span.loc[0, "first_hour"]):
        return None
    first = pd.Timestamp(span.loc[0, "first_hour"]).to_pydatetime()
    return first, pd.Timestamp(span.loc[0, "last_hour"]).to_pydatetime()


def default_days(span: tuple[datetime, datetime], days: int = 30) -> tuple[date, date]:
    """The last ``days`` UTC days of the span (all of it when shorter)."""
    last = span[1].date()
    return max(span[0].date(), last - timedelta(days=days - 1)), last


# ---- market ------------------------------------------------------------------------------
def market_hourly(frame: Frame, coin_id: str, start: date, end: date) -> pd.DataFrame:
    """hour_ts, price, market_cap, total_volume of one coin in the days [start, end]."""
    result = frame(
        f"select hour_ts, price, market_cap, total_volume from {col.MARKET_TABLE} "
        f"where coin_id = {text(coin_id)} and {_range('hour_ts', start, end)} order by hour_ts"
    )
    return _float(result, "price", "market_cap", "total_volume")


MONTHLY_COLUMNS = (
    "coin_id",
    "symbol",
    "name",
    "month_start",
    "min_price",
    "max_price",
    "min_market_cap",
    "max_market_cap",
    "min_total_volume",
    "max_total_volume",
    "hours_observed",
)


def monthly_min_max(frame: Frame, coin_id: str | None, start: date, end: date) -> pd.DataFrame:
    """The monthly aggregate (min/max price, market cap, volume) for the months the days
    [start, end] touch: one coin, or every coin when ``coin_id`` is None."""
    where = f"month_start >= DATE '{start.replace(day=1)}' and month_start <= DATE '{end}'"
    if coin_id is not None:
        where += f" and coin_id = {text(coin_id)}"
    result = frame(
        f"select {', '.join(MONTHLY_COLUMNS)} from {col.MONTHLY_TABLE} where {where} "
        "order by month_start, coin_id"
    )
    result = _float(result, *[c for c in MONTHLY_COLUMNS if c.startswith(("min_", "max_"))])
    result["month"] = pd.to_datetime(result["month_start"]).dt.strftime("%Y-%m")
    result["hours_observed"] = result["hours_observed"].astype("int64")
    order = ["month", "coin_id", "symbol", "name", *MONTHLY_COLUMNS[4:]]
    return result[order].reset_index(drop=True)


# ---- social ------------------------------------------------------------------------------
SOCIAL_SERIES = (
    "social_volume",
    "unique_authors",
    "social_dominance",
    "mean_sentiment",
    "engagement_weighted_sentiment",
)


def social(frame: Frame, coin_id: str, start: date, end: date, grain: str) -> pd.DataFrame:
    """period plus SOCIAL_SERIES for one coin, per UTC hour or day, every period of the
    days [start, end] the mart covers (periods without posts have volume 0).

    Hours come straight from the mart. Days are counted from the posts, because distinct
    authors and weighted means of hours do not add up to a day's; dominance is the coin's
    share of the day's mentions of every coin."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    if grain == "hour":
        result = frame(
            f"select hour_ts as period, {', '.join(SOCIAL_SERIES)} from {col.SOCIAL_TABLE} "
            f"where coin_id = {text(coin_id)} and {_range('hour_ts', start, end)} "
            "order by hour_ts"
        )
        return _float(result, *SOCIAL_SERIES)
    weight = (
        "1.0 + ln(1.0 + coalesce(p.likes, 0) + coalesce(p.reposts, 0) "
        "+ coalesce(p.replies, 0) + coalesce(p.quotes, 0))"
    )
    posts = frame(
        "select period, count(*) as social_volume, count(distinct author) as unique_authors, "
        "avg(compound) as mean_sentiment, sum(compound * weight) / "
        "nullif(sum(case when compound is not null then weight end), 0) "
        "as engagement_weighted_sentiment from ("
        "select cast(date_trunc('day', p.created_at) as date) as period, p.author, "
        f"p.sentiment_compound as compound, {weight} as weight "
        f"from {col.MENTIONS_TABLE} as pc inner join {col.POSTS_TABLE} as p "
        f"on p.post_key = pc.post_key where pc.coin_id = {text(coin_id)} "
        f"and {_range('p.created_at', start, end)}) as mentions group by period"
    )
    shares = frame(
        "select cast(date_trunc('day', hour_ts) as date) as period, "
        f"sum(case when coin_id = {text(coin_id)} then social_volume else 0 end) "
        "as coin_volume, sum(social_volume) as all_volume "
        f"from {col.SOCIAL_TABLE} where {_range('hour_ts', start, end)} "
        "group by cast(date_trunc('day', hour_ts) as date)"
    )
    shares = _float(shares, "coin_volume", "all_volume")
    shares["social_dominance"] = shares["coin_volume"] / shares["all_volume"].where(
        shares["all_volume"] > 0
    )
    for part in (posts, shares):
        part["period"] = pd.to_datetime(part["period"])
    result = shares[["period", "social_dominance"]].merge(posts, on="period", how="left")
    result = _float(result, *SOCIAL_SERIES)
    result[["social_volume", "unique_authors"]] = result[
        ["social_volume", "unique_authors"]
    ].fillna(0)
    return result.sort_values("period").reset_index(drop=True)[["period", *SOCIAL_SERIES]]


def zscores(frame: Frame, coin_id: str, start: date, end: date) -> pd.DataFrame:
    """hour_ts, weighted_sentiment, weighted_sentiment_zscore of one coin, hourly."""
    result = frame(
        "select hour_ts, weighted_sentiment, weighted_sentiment_zscore "
        f"from {col.SOCIAL_TABLE} where coin_id = {text(coin_id)} "
        f"and {_range('hour_ts', start, end)} order by hour_ts"
    )
    return _float(result, "weighted_sentiment", "weighted_sentiment_zscore")


def extremes(z: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The hours whose |z-score| reaches ``threshold``, largest first."""
    scores = z["weighted_sentiment_zscore"]
    found = z[scores.abs() >= threshold].copy()
    found["abs_z"] = found["weighted_sentiment_zscore"].abs()
    return found.sort_values("abs_z", ascending=False).drop(columns="abs_z").reset_index(drop=True)


TOP_POSTS = 20


def top_posts(frame: Frame, coin_id: str, hour: datetime, limit: int = TOP_POSTS) -> pd.DataFrame:
    """The hour's posts mentioning the coin, most liked first: created_at, author, text,
    likes, sentiment, source, url."""
    after = hour + timedelta(hours=1)
    result = frame(
        "select p.created_at, p.author, p.text, p.likes, p.reposts, "
        "p.sentiment_compound as sentiment, p.source, p.url "
        f"from {col.MENTIONS_TABLE} as pc inner join {col.POSTS_TABLE} as p "
        f"on p.post_key = pc.post_key where pc.coin_id = {text(coin_id)} "
        f"and p.created_at >= {timestamp(hour)} and p.created_at < {timestamp(after)}"
    )
    result = _float(result, "sentiment")
    result = result.sort_values(
        ["likes", "created_at"], ascending=[False, True], na_position="last"
    )
    return result.head(limit).reset_index(drop=True)


# ---- price x sentiment -------------------------------------------------------------------
def price_and_sentiment(frame: Frame, coin_id: str, start: date, end: date) -> pd.DataFrame:
    """hour_ts, price, weighted_sentiment, engagement_weighted_sentiment, social_volume."""
    result = frame(
        "select hour_ts, price, weighted_sentiment, engagement_weighted_sentiment, "
        f"social_volume from {col.SOCIAL_TABLE} where coin_id = {text(coin_id)} "
        f"and {_range('hour_ts', start, end)} order by hour_ts"
    )
    return _float(
        result, "price", "weighted_sentiment", "engagement_weighted_sentiment", "social_volume"
    )


def _leadlag_select(where: str) -> str:
    names = ", ".join(f"{column} as {name}" for name, column in col.LEADLAG_COLUMNS.items())
    return f"select {names} from {col.LEADLAG_TABLE} {where}"


def leadlag(frame: Frame, coin_id: str) -> pd.DataFrame:
    """One coin's correlation against lag (−24…+24 h) with its band, by lag."""
    result = frame(_leadlag_select(f"where {col.LEADLAG_COLUMNS['coin_id']} = {text(coin_id)}"))
    result = _float(result, "correlation", "ci_low", "ci_high", "best_correlation")
    result["lag_hours"] = result["lag_hours"].astype("int64")
    result["n_observations"] = pd.to_numeric(result["n_observations"]).astype("Int64")
    return result.sort_values("lag_hours").reset_index(drop=True)


def best_lag(curve: pd.DataFrame) -> pd.Series | None:
    """The row of the coin's best lag (the mart's choice), None when no lag is significant."""
    best = curve[curve["is_best_lag"].fillna(False).astype(bool)]
    return None if best.empty else best.iloc[0]


def ranking(frame: Frame, coin_names: pd.DataFrame) -> pd.DataFrame:
    """Coins ranked by the strength of their best lead: the significant positive lag
    (sentiment first, returns after) with the largest |correlation|. Coins without one
    follow, with the mart's best lag (which may be a negative lag, sentiment following)."""
    rows = frame(_leadlag_select(""))
    rows = _float(rows, "correlation", "best_correlation")
    rows["lag_hours"] = rows["lag_hours"].astype("int64")
    significant = rows["is_significant"].fillna(False).astype(bool)
    leads = rows[significant & (rows["lag_hours"] > 0)].copy()
    leads["strength"] = leads["correlation"].abs()
    leads = leads.sort_values(["strength", "lag_hours"], ascending=[False, True])
    leads = leads.drop_duplicates("coin_id")[["coin_id", "lag_hours", "correlation", "strength"]]
    leads = leads.rename(columns={"lag_hours": "lead_hours", "correlation": "lead_correlation"})
    best = rows.drop_duplicates("coin_id")[["coin_id", "best_lag_hours", "best_correlation"]]
    table = best.merge(leads, on="coin_id", how="left")
    table = table.merge(coin_names[["coin_id", "name", "symbol"]], on="coin_id", how="left")
    table = table.sort_values(["strength", "coin_id"], ascending=[False, True], na_position="last")
    table.insert(0, "rank", range(1, len(table) + 1))
    table["best_lag_hours"] = pd.to_numeric(table["best_lag_hours"]).astype("Int64")
    table["lead_hours"] = pd.to_numeric(table["lead_hours"]).astype("Int64")
    order = [
        "rank",
        "name",
        "symbol",
        "lead_hours",
        "lead_correlation",
        "best_lag_hours",
        "best_correlation",
        "coin_id",
    ]
    return table[order].reset_index(drop=True)
