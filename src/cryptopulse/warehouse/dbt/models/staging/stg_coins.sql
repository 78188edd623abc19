-- The coin list: one row per coin_id, from the latest snapshot that holds it.

with source as (

    {{ select_lake_dataset('coins') }}

),

renamed as (

    select
        cast(coin_id as {{ type_text() }}) as coin_id,
        cast(symbol as {{ type_text() }}) as symbol,
        cast(name as {{ type_text() }}) as name,
        row_number() over (
            partition by coin_id
            order by filename desc, symbol, name
        ) as snapshot_rank
    from source

)

select
    coin_id,
    symbol,
    name
from renamed
where snapshot_rank = 1
