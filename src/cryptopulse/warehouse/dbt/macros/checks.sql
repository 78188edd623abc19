{#
  Checks in a run with a window look at the rows that run merged.

  An incremental run replaces the window's rows of the tables below (delete+insert on their
  natural keys) and leaves every other row as the earlier runs checked it, so its data tests
  read only the rows this run wrote, tagged with its window in merge_window: a daily run's
  checks cost a day of data, not the whole history. A first build that ran with a window
  tagged every row, so it checks them all; runs without a window (`cryptopulse transform`,
  --full-refresh) check every row. A test with its own `where` config keeps it.

  This overrides dbt's get_where_subquery, the hook dbt calls for the model a generic test
  reads (the parent side of a relationships test is not filtered).
#}

{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where') -%}
  {%- set window = run_window() -%}
  {%- if where is none and window is not none
        and (relation.identifier | lower) in var('windowed_tables', []) -%}
    {%- set where = "merge_window = " ~ merge_window_tag() -%}
  {%- endif -%}
  {%- if where -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
  {%- else -%}
    {{ return(relation) }}
  {%- endif -%}
{%- endmacro %}
