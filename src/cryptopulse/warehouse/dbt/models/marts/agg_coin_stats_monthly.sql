-- Per coin and calendar month (UTC): the price, market cap and volume range and how many
-- hours were observed. The original usd_price_per_month_stats, with month as a number.
-- Incremental: a run with a window recomputes the whole months that window touches.

{#- Merged on the time grain alone: a recomputed period replaces every coin's rows in it,
    so a coin whose data is gone from it (a day re-landed with less) leaves none behind. -#}
{{ config(
    materialized='incremental',
    unique_key=['month_start'],
    incremental_strategy='delete+insert',
) }}

with hourly as (

    select coin_key, date_key, price, market_cap, total_volume
    from {{ ref('fct_coin_stats_hourly') }}
    where {{ in_window_months('hour_ts') }}

),

coins as (

    select coin_key, coin_id, symbol, name
    from {{ ref('dim_coin') }}

),

dates as (

    select date_key, year, month, date_day
    from {{ ref('dim_date') }}

)

select
    hourly.coin_key,
    coins.coin_id,
    coins.symbol,
    coins.name,
    dates.year,
    dates.month,
    cast({{ dbt.date_trunc('month', 'min(dates.date_day)') }} as date) as month_start,
    min(hourly.price) as min_price,
    max(hourly.price) as max_price,
    min(hourly.market_cap) as min_market_cap,
    max(hourly.market_cap) as max_market_cap,
    min(hourly.total_volume) as min_total_volume,
    max(hourly.total_volume) as max_total_volume,
    count(*) as hours_observed
from hourly
inner join coins
    on hourly.coin_key = coins.coin_key
inner join dates
    on hourly.date_key = dates.date_key
group by
    hourly.coin_key,
    coins.coin_id,
    coins.symbol,
    coins.name,
    dates.year,
    dates.month
