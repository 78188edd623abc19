-- Social posts: one row per (source, post_id); a post landed by several imports keeps the
-- row from the greatest file name. The raw JSON stays in the lake. Incremental: a run with a
-- window reads only those days' lake partitions and merges them on (source, post_id).

{{ config(
    materialized='incremental',
    unique_key=['source', 'post_id'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with source as (

    {{ select_lake_dataset('posts') }}

),

renamed as (

    select
        cast(source as {{ type_text() }}) as source,
        cast(post_id as {{ type_text() }}) as post_id,
        {{ as_utc_timestamp('created_at') }} as created_at,
        cast(author as {{ type_text() }}) as author,
        cast(text as {{ type_text(10000) }}) as text,
        cast(language as {{ type_text() }}) as language,
        cast(likes as {{ dbt.type_bigint() }}) as likes,
        cast(reposts as {{ dbt.type_bigint() }}) as reposts,
        cast(replies as {{ dbt.type_bigint() }}) as replies,
        cast(quotes as {{ dbt.type_bigint() }}) as quotes,
        cast(url as {{ type_text(2048) }}) as url,
        cast(collected_for as {{ type_text() }}) as collected_for,
        filename,
        lake_date
    from source
    where {{ in_lake_window() }}

),

ranked as (

    select
        renamed.*,
        row_number() over (
            partition by source, post_id
            order by filename desc, created_at desc
        ) as landing_rank
    from renamed

)

select
    source,
    post_id,
    created_at,
    author,
    text,
    language,
    likes,
    reposts,
    replies,
    quotes,
    url,
    collected_for,
    lake_date,
    {{ merge_window_tag() }} as merge_window
from ranked
where landing_rank = 1
