-- Sentiment scores from the enrich step, for the model version in var('enrich_versions'):
-- one row per (source, post_id). A post landed by several files keeps the greatest file's row.

{{ config(
    materialized='incremental',
    unique_key=['source', 'post_id'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with source as (

    {{ select_lake_dataset('sentiment') }}

),

renamed as (

    select
        cast(source as {{ type_text() }}) as source,
        cast(post_id as {{ type_text() }}) as post_id,
        cast(model_name as {{ type_text() }}) as model_name,
        cast(model_version as {{ type_text() }}) as model_version,
        cast(compound as {{ type_double() }}) as compound,
        cast(pos as {{ type_double() }}) as pos,
        cast(neu as {{ type_double() }}) as neu,
        cast(neg as {{ type_double() }}) as neg,
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
            order by filename desc
        ) as landing_rank
    from renamed

)

select
    source, post_id, model_name, model_version, compound, pos, neu, neg, lake_date,
    {{ merge_window_tag() }} as merge_window
from ranked
where landing_rank = 1
