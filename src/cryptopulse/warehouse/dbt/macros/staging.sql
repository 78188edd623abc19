{#
  The staging skeleton every stg_* model shares (dbt's source → renamed → de-duplicated
  shape, written once):

  - source: the dataset's lake rows (select_lake_dataset, macros/lake.sql);
  - renamed: each column typed as its contract says (lake_dataset_columns: strings sized,
    doubles, bigints, UTC timestamps without time zone), only the window's partitions in an
    incremental run with a window;
  - ranked: per natural key, the row from the greatest lake file name wins (a rerun
    overwrites the same file; a key can still land in several files).

  Arguments:
  - key: the natural key, as expressions over the typed columns (partition of the ranking).
  - order_by: tie-breakers after `filename desc` within one file.
  - exclude: raw columns staging does not carry (the raw JSON of a post).
  - outputs: raw column -> the select expression that replaces it in the output
    (e.g. the hour a timestamp falls in).
  - keep: 'row' keeps one row per key; 'file' keeps every row of the key's greatest file
    (distinct), for datasets with several rows per key and file (a post's mentions).
  - where: a filter on the output rows.

  Incremental models also carry lake_date and merge_window (macros/incremental.sql,
  macros/checks.sql).
#}

{% macro stage_lake_dataset(dataset, key, order_by=[], exclude=[], outputs={}, keep='row', where=none) -%}
  {%- set columns = [] -%}
  {%- set selected = [] -%}
  {%- for column in lake_dataset_columns(dataset) if column[0] not in exclude -%}
    {%- do columns.append(column) -%}
    {%- do selected.append(outputs.get(column[0], column[0])) -%}
  {%- endfor -%}
  {%- if config.get('materialized') == 'incremental' -%}
    {%- do selected.append('lake_date') -%}
    {%- do selected.append(merge_window_tag() ~ ' as merge_window') -%}
  {%- endif -%}

with source as (

    {{ select_lake_dataset(dataset) }}

),

renamed as (

    select
        {%- for name, _, typed in columns %}
        {{ typed }} as {{ name }},
        {%- endfor %}
        filename,
        lake_date
    from source
    where {{ in_lake_window() }}

),

ranked as (

    select
        renamed.*,
        {{ 'rank' if keep == 'file' else 'row_number' }}() over (
            partition by {{ key | join(', ') }}
            order by {{ (['filename desc'] + order_by) | join(', ') }}
        ) as landing_rank
    from renamed

)

select {{- ' distinct' if keep == 'file' }}
    {{ selected | join(',\n    ') }}
from ranked
where landing_rank = 1
{%- if where %}
    and ({{ where }})
{%- endif %}

{%- endmacro %}
