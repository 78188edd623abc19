-- agg_coin_stats_monthly equals a recomputation from fct_coin_stats_hourly, computed here
-- without the dimensions. Failing rows: each row found on one side only (side says which).

with recomputed as (

    select
        coin_key,
        cast(extract(year from hour_ts) as {{ dbt.type_int() }}) as year,
        cast(extract(month from hour_ts) as {{ dbt.type_int() }}) as month,
        min(price) as min_price,
        max(price) as max_price,
        min(market_cap) as min_market_cap,
        max(market_cap) as max_market_cap,
        min(total_volume) as min_total_volume,
        max(total_volume) as max_total_volume,
        count(*) as hours_observed
    from {{ ref('fct_coin_stats_hourly') }}
    group by
        coin_key,
        cast(extract(year from hour_ts) as {{ dbt.type_int() }}),
        cast(extract(month from hour_ts) as {{ dbt.type_int() }})

),

aggregated as (

    select
        coin_key,
        year,
        month,
        min_price,
        max_price,
        min_market_cap,
        max_market_cap,
        min_total_volume,
        max_total_volume,
        hours_observed
    from {{ ref('agg_coin_stats_monthly') }}

),

only_in_aggregate as (

    select * from aggregated
    {{ dbt.except() }}
    select * from recomputed

),

only_in_recomputation as (

    select * from recomputed
    {{ dbt.except() }}
    select * from aggregated

)

select 'only in agg_coin_stats_monthly' as side, * from only_in_aggregate
union all
select 'only in the recomputation' as side, * from only_in_recomputation  -- noqa: AM04
