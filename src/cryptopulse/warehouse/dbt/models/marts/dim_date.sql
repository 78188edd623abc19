-- One row per UTC hour: a continuous hour spine from the earliest to the latest hour in
-- stg_coin_hourly and stg_posts (empty when both are). Replaces the original date_dim, which
-- got one row per source timestamp and fanned the facts out.

{%- set coin_hourly = ref('stg_coin_hourly') -%}
{%- set posts = ref('stg_posts') -%}

{#- The spine's bounds are read first: dbt.date_spine needs them as literals. -#}
{%- set first_hour = none -%}
{%- set last_hour = none -%}
{%- if execute -%}
  {%- set bounds_query -%}
    select min(hour_ts) as first_hour, max(hour_ts) as last_hour
    from (
        select hour_ts from {{ coin_hourly }}
        union all
        select {{ utc_hour('created_at') }} as hour_ts from {{ posts }}
    ) as observed_hours
  {%- endset -%}
  {%- set bounds = run_query(bounds_query) -%}
  {%- set first_hour = bounds.columns[0].values()[0] -%}
  {%- set last_hour = bounds.columns[1].values()[0] -%}
{%- endif %}

{%- if first_hour is not none and last_hour is not none %}

{%- set spine_start = "cast('" ~ first_hour.strftime('%Y-%m-%d %H:00:00') ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
{#- date_spine excludes its end: end one hour after the last hour so that hour is in. -#}
{%- set spine_end = dbt.dateadd('hour', 1, "cast('" ~ last_hour.strftime('%Y-%m-%d %H:00:00') ~ "' as " ~ dbt.type_timestamp() ~ ")") %}

with spine as (

    {{ dbt.date_spine('hour', spine_start, spine_end) }}

),

hours as (

    select cast(date_hour as {{ dbt.type_timestamp() }}) as hour_ts
    from spine

),

{%- else %}

-- Nothing observed yet (or compiling without a database): an empty, typed spine.
with hours as (

    select cast(null as {{ dbt.type_timestamp() }}) as hour_ts
    where 1 = 0

),

{%- endif %}

parts as (

    select
        hour_ts,
        cast({{ dbt.date_trunc('day', 'hour_ts') }} as date) as date_day,
        cast(extract(hour from hour_ts) as {{ dbt.type_int() }}) as hour,
        cast(extract(day from hour_ts) as {{ dbt.type_int() }}) as day,
        {{ iso_week('hour_ts') }} as iso_week,
        {{ iso_year('hour_ts') }} as iso_year,
        cast(extract(month from hour_ts) as {{ dbt.type_int() }}) as month,
        cast(extract(quarter from hour_ts) as {{ dbt.type_int() }}) as quarter,
        cast(extract(year from hour_ts) as {{ dbt.type_int() }}) as year,
        {{ iso_weekday('hour_ts') }} as weekday
    from hours

)

select
    {{ hour_date_key('hour_ts') }} as date_key,
    hour_ts,
    date_day,
    hour,
    day,
    iso_week,
    iso_year,
    month,
    {{ month_name('month') }} as month_name,
    quarter,
    year,
    weekday,
    {{ weekday_name('weekday') }} as weekday_name,
    weekday in (6, 7) as is_weekend
from parts
