-- Coin mentions resolved by the enrich step: one row per (source, post_id, coin_id). Rows
-- with coin_id null (a post that names no coin) are dropped; a post landed by several files
-- keeps the rows of the greatest file. Incremental like stg_posts: a window reads only its
-- days' partitions and replaces those posts' rows.

{{ config(
    materialized='incremental',
    unique_key=['source', 'post_id'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with source as (

    {{ select_lake_dataset('mentions') }}

),

renamed as (

    select
        cast(source as {{ type_text() }}) as source,
        cast(post_id as {{ type_text() }}) as post_id,
        cast(coin_id as {{ type_text() }}) as coin_id,
        cast(match_kind as {{ type_text() }}) as match_kind,
        cast(resolver_version as {{ type_text() }}) as resolver_version,
        filename,
        lake_date
    from source
    where {{ in_lake_window() }}

),

latest_file as (

    select source, post_id, max(filename) as filename
    from renamed
    group by source, post_id

)

select distinct
    renamed.source,
    renamed.post_id,
    renamed.coin_id,
    renamed.match_kind,
    renamed.resolver_version,
    renamed.lake_date,
    {{ merge_window_tag() }} as merge_window
from renamed
inner join latest_file
    on renamed.source = latest_file.source
    and renamed.post_id = latest_file.post_id
    and renamed.filename = latest_file.filename
where renamed.coin_id is not null
