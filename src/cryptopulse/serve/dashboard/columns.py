"""The mart columns the dashboard reads, named once here.

The lead-lag mart's statistics may be renamed as its method changes (say, another standard
error for the confidence band): the pages use the names on the left, and this mapping says
which warehouse column each one is read from.
"""

from __future__ import annotations

LEADLAG_TABLE = "mart_sentiment_price_leadlag"
# dashboard name -> column of mart_sentiment_price_leadlag
LEADLAG_COLUMNS: dict[str, str] = {
    "coin_id": "coin_id",
    "lag_hours": "lag_hours",
    "n_observations": "n_observations",
    "correlation": "correlation",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "is_significant": "is_significant",
    "best_lag_hours": "best_lag_hours",
    "best_correlation": "best_correlation",
    "is_best_lag": "is_best_lag",
}
# How the confidence band is described on the chart (follows the mart's method).
LEADLAG_BAND = "95 % confidence interval"

SOCIAL_TABLE = "mart_coin_social_hourly"
MARKET_TABLE = "fct_coin_stats_hourly"
MONTHLY_TABLE = "agg_coin_stats_monthly"
COINS_TABLE = "dim_coin"
POSTS_TABLE = "fct_posts"
MENTIONS_TABLE = "fct_post_coin"

# What each page needs; a page whose tables are missing says what to run instead.
MARKET_TABLES = (COINS_TABLE, MARKET_TABLE, MONTHLY_TABLE, SOCIAL_TABLE)
SOCIAL_TABLES = (COINS_TABLE, SOCIAL_TABLE, POSTS_TABLE, MENTIONS_TABLE, MONTHLY_TABLE)
LEADLAG_TABLES = (COINS_TABLE, SOCIAL_TABLE, LEADLAG_TABLE, MONTHLY_TABLE)
