-- The bridge between posts and the coins they mention (a post can mention several coins).
-- Incremental: a run with a window replaces the rows of the posts landed in that window.

{{ config(
    materialized='incremental',
    unique_key='post_key',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with mentions as (

    select source, post_id, coin_id, match_kind, lake_date
    from {{ ref('stg_post_mentions') }}
    where {{ in_lake_window() }}

),

coins as (

    select coin_key, coin_id
    from {{ ref('dim_coin') }}

)

select
    {{ dbt.hash(dbt.concat(['mentions.source', "'|'", 'mentions.post_id'])) }} as post_key,
    coins.coin_key,
    mentions.source,
    mentions.post_id,
    mentions.coin_id,
    mentions.match_kind,
    mentions.lake_date,
    {{ merge_window_tag() }} as merge_window
from mentions
inner join coins
    on mentions.coin_id = coins.coin_id
