-- The sums behind mart_sentiment_price_leadlag's correlations, per coin, lag and day: for
-- each lag k in -24..+24 hours, the pairs (sentiment change in hour h, log return in hour
-- h+k) whose h falls on that day, as n and exact sums of x, y, x², y² and xy. Correlations
-- over the whole history are sums of these, so a daily run recomputes a few days instead of
-- every pair of the history.
--
-- Sentiment change: the hour's mean sentiment minus its mean over the previous 24 hours.
-- Sums are decimals (exact, order-independent), so incremental and full builds agree to the
-- last bit. Incremental: a run with a window recomputes the days from 2 before the window to
-- 2 after it (a changed hour reaches pairs up to 24 h away on either side, and the change's
-- own 24 h look-back), reading 4 days of hours either side. What else such a run changes in
-- the mart (the empty hours a backfill or a gap adds to a coin's spine, the z-scores after
-- them) has neither a sentiment nor a return, so it makes no pairs: the days outside stay
-- as a full build has them.

{#- Merged on the time grain alone: a recomputed period replaces every coin's rows in it,
    so a coin whose data is gone from it (a day re-landed with less) leaves none behind. -#}
{{ config(
    materialized='incremental',
    unique_key=['pair_day'],
    incremental_strategy='delete+insert',
) }}

{%- set max_lag = 24 %}
{%- set window = lake_window() %}
{%- set range = {'day_from': none, 'day_end': none, 'read_from': none, 'read_end': none} %}
{%- if window is not none %}
  {%- set day = modules.datetime.timedelta(days=1) %}
  {%- set start = modules.datetime.datetime.strptime(window[0], '%Y-%m-%d') %}
  {%- set end = modules.datetime.datetime.strptime(window[1], '%Y-%m-%d') %}
  {%- set range = {
      'day_from': (start - 2 * day).strftime('%Y-%m-%d %H:%M:%S'),
      'day_end': (end + 2 * day).strftime('%Y-%m-%d %H:%M:%S'),
      'read_from': (start - 4 * day).strftime('%Y-%m-%d %H:%M:%S'),
      'read_end': (end + 4 * day).strftime('%Y-%m-%d %H:%M:%S'),
  } %}
{%- endif %}

with hourly as (

    select coin_key, coin_id, hour_ts, mean_sentiment, hourly_return
    from {{ ref('mart_coin_social_hourly') }}
    where {{ in_time_range('hour_ts', range['read_from'], range['read_end']) }}

),

changes as (

    {#- The mart has one row per coin and hour, without gaps: 24 rows are 24 hours. -#}
    select
        coin_key,
        coin_id,
        hour_ts,
        hourly_return,
        {{ sentiment_change() }} as sentiment_change
    from hourly

),

lags as (

    select cast(generated_number as {{ dbt.type_int() }}) - {{ max_lag + 1 }} as lag_hours
    from ({{ dbt.generate_series(2 * max_lag + 1) }}) as series

),

pairs as (

    select
        x.coin_key,
        x.coin_id,
        lags.lag_hours,
        cast(x.hour_ts as date) as pair_day,
        x.sentiment_change as x,
        y.hourly_return as y
    from changes as x
    cross join lags
    inner join changes as y
        on x.coin_key = y.coin_key
            and y.hour_ts = {{ dbt.dateadd('hour', 'lags.lag_hours', 'x.hour_ts') }}
    where x.sentiment_change is not null
        and y.hourly_return is not null
        and {{ in_time_range('x.hour_ts', range['day_from'], range['day_end']) }}

)

select
    coin_key,
    coin_id,
    lag_hours,
    pair_day,
    count(*) as n_pairs,
    {{ exact_decimal_sum('x') }} as sum_x,
    {{ exact_decimal_sum('y') }} as sum_y,
    {{ exact_decimal_sum('x * x') }} as sum_xx,
    {{ exact_decimal_sum('y * y') }} as sum_yy,
    {{ exact_decimal_sum('x * y') }} as sum_xy
from pairs
group by coin_key, coin_id, lag_hours, pair_day
