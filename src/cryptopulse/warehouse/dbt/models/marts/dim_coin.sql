-- One row per coin: every coin of the coin list, plus any coin seen only in market data
-- (symbol and name fall back to coin_id), so no market row is ever orphaned. coin_key is a
-- hash of coin_id: stable across rebuilds and incremental runs.

with listed_coins as (

    select coin_id, symbol, name
    from {{ ref('stg_coins') }}

),

market_only_coins as (

    select distinct coin_id
    from {{ ref('stg_coin_hourly') }} as hourly
    where
        not exists (
            select 1
            from listed_coins
            where listed_coins.coin_id = hourly.coin_id
        )

),

coins as (

    select coin_id, symbol, name
    from listed_coins

    union all

    select
        coin_id,
        cast(null as {{ type_text() }}) as symbol,
        cast(null as {{ type_text() }}) as name
    from market_only_coins

)

select
    {{ dbt.hash('coin_id') }} as coin_key,
    coin_id,
    coalesce(symbol, coin_id) as symbol,
    coalesce(name, coin_id) as name
from coins
