-- The coin list: one row per coin_id, from the latest snapshot that holds it.

{{ stage_lake_dataset('coins', key=['coin_id'], order_by=['symbol', 'name']) }}
