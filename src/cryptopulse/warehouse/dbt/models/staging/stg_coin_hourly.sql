-- Hourly market figures: one row per (coin_id, UTC hour). A key landed in several files keeps
-- the row from the greatest file name; several observations in one hour keep the latest.
-- Incremental: a run with a window reads only those days' lake partitions.

{{ config(materialized='incremental', unique_key=['coin_id', 'hour_ts']) }}

{{ stage_lake_dataset(
    'coin_hourly',
    key=['coin_id', utc_hour('ts')],
    order_by=['ts desc'],
    outputs={'ts': utc_hour('ts') ~ ' as hour_ts'},
) }}
