{#
  Checks in a run with a window look at the rows that run merged.

  An incremental run replaces the window's rows of the tables below (delete+insert on their
  natural keys) and leaves every other row as the earlier runs checked it, so its data tests
  read only rows whose lake_date lies in the window: a daily run's checks cost a day of data,
  not the whole history. Runs without a window (`cryptopulse transform`, --full-refresh,
  the first build) check every row. A test with its own `where` config keeps it.

  This overrides dbt's get_where_subquery, the hook dbt calls for the model a generic test
  reads (the parent side of a relationships test is not filtered).
#}

{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where') -%}
  {%- set window = run_window() -%}
  {%- if where is none and window is not none
        and (relation.identifier | lower) in var('windowed_tables', []) -%}
    {%- set where = in_lake_window('lake_date', window) -%}
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
