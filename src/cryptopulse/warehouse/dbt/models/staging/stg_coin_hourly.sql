-- Hourly market figures: one row per (coin_id, UTC hour). A key landed in several files keeps
-- the row from the greatest file name; several observations in one hour keep the latest.
-- Incremental: a run with a window reads only those days' lake partitions.

{{ config(
    materialized='incremental',
    unique_key=['coin_id', 'hour_ts'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with source as (

    {{ select_lake_dataset('coin_hourly') }}

),

renamed as (

    select
        cast(coin_id as {{ type_text() }}) as coin_id,
        {{ as_utc_timestamp('ts') }} as observed_at,
        cast(price as {{ type_double() }}) as price,
        cast(market_cap as {{ type_double() }}) as market_cap,
        cast(total_volume as {{ type_double() }}) as total_volume,
        filename,
        lake_date
    from source
    where {{ in_lake_window() }}

),

ranked as (

    select
        coin_id,
        {{ utc_hour('observed_at') }} as hour_ts,
        price,
        market_cap,
        total_volume,
        lake_date,
        row_number() over (
            partition by coin_id, {{ utc_hour('observed_at') }}
            order by filename desc, observed_at desc
        ) as observation_rank
    from renamed

)

select
    coin_id,
    hour_ts,
    price,
    market_cap,
    total_volume,
    lake_date,
    {{ merge_window_tag() }} as merge_window
from ranked
where observation_rank = 1
