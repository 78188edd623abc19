-- Market figures at the grain coin x UTC hour (the original coin_stats_hist, without the
-- fan-out: stg_coin_hourly already holds one row per coin and hour). Incremental: a run with a
-- window merges only the hours landed in that window.

{{ config(
    materialized='incremental',
    unique_key=['coin_id', 'hour_ts'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with hourly as (

    select coin_id, hour_ts, price, market_cap, total_volume, lake_date
    from {{ ref('stg_coin_hourly') }}
    where {{ in_lake_window() }}

),

coins as (

    select coin_key, coin_id
    from {{ ref('dim_coin') }}

)

select
    coins.coin_key,
    {{ hour_date_key('hourly.hour_ts') }} as date_key,
    hourly.coin_id,
    hourly.hour_ts,
    hourly.price,
    hourly.market_cap,
    hourly.total_volume,
    hourly.lake_date,
    {{ merge_window_tag() }} as merge_window
from hourly
left join coins
    on hourly.coin_id = coins.coin_id
