{#
  Incremental runs over a window of lake partitions.

  The pipeline passes the window in the environment, CRYPTOPULSE_WINDOW_START and
  CRYPTOPULSE_WINDOW_END (YYYY-MM-DD, end exclusive; var('window_start') and var('window_end')
  are read when those are unset), when it has just landed those days. Environment variables
  rather than vars: a changed var makes dbt re-parse the whole project (~4 s), a changed
  environment variable only the files that read it. Incremental models then read only the lake partitions
  of that window and merge them on their natural keys (delete+insert), so a daily run costs
  what a day of data costs, and re-running a window leaves the tables exactly as one clean
  run would. Without a window (or on the first run, or with --full-refresh) every partition
  is read.
#}

{% macro lake_window() %}
  {#- (start, end) of the window to process, or none: only in incremental runs. -#}
  {%- if not is_incremental() -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(run_window()) }}
{% endmacro %}


{% macro run_window() %}
  {#- (start, end) of the window this run was given, or none. Read only when executing:
      parsing needs no window, and an environment variable read while parsing would make
      dbt re-parse every file that reads it whenever the window changes. -#}
  {%- if not execute -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set start = env_var('CRYPTOPULSE_WINDOW_START', '') or var('window_start', none) -%}
  {%- set end = env_var('CRYPTOPULSE_WINDOW_END', '') or var('window_end', none) -%}
  {%- if start is none or end is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- for value in [start, end] -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
      {{ exceptions.raise_compiler_error("window_start/window_end must be YYYY-MM-DD dates, got '" ~ value ~ "'") }}
    {%- endif -%}
  {%- endfor -%}
  {{ return((start | string, end | string)) }}
{% endmacro %}


{% macro in_lake_window(column='lake_date', window=none) -%}
  {#- A predicate: the row was landed in the window's partitions (always true outside one). -#}
  {%- set window = window if window is not none else lake_window() -%}
  {%- if window is none -%}
    1 = 1
  {%- else -%}
    {{ column }} >= cast('{{ window[0] }}' as date) and {{ column }} < cast('{{ window[1] }}' as date)
  {%- endif -%}
{%- endmacro %}


{% macro in_window_months(column) -%}
  {#- A predicate: the timestamp falls in a calendar month the window touches (always true
      outside a window), for aggregates that recompute whole months. -#}
  {%- set window = lake_window() -%}
  {%- if window is none -%}
    1 = 1
  {%- else -%}
    {%- set first_day = "cast('" ~ window[0] ~ "' as date)" -%}
    {%- set last_day = dbt.dateadd('day', -1, "cast('" ~ window[1] ~ "' as date)") -%}
    {{ column }} >= cast({{ dbt.date_trunc('month', first_day) }} as {{ dbt.type_timestamp() }})
    and {{ column }} < cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', last_day)) }} as {{ dbt.type_timestamp() }})
  {%- endif -%}
{%- endmacro %}


{% macro merge_window_tag() -%}
  {#- The window of the run that wrote a row ('YYYY-MM-DD..YYYY-MM-DD', or 'all' for a run
      without one), as a literal: a windowed run's checks read the rows it wrote
      (macros/checks.sql), including every row of a first build that ran with a window. -#}
  {%- set window = run_window() -%}
  '{{ window[0] ~ ".." ~ window[1] if window is not none else "all" }}'
{%- endmacro %}


{% macro replace_lake_window() -%}
  {{- adapter.dispatch('replace_lake_window', 'cryptopulse')() -}}
{%- endmacro %}


{% macro default__replace_lake_window() -%}
  {#- Pre-hook of every model (dbt_project.yml), acting on the windowed tables only (var
      windowed_tables): a run with a window first removes the rows merged from the window's
      lake days, then the merge on natural keys inserts what those days hold now. So a day
      re-landed with fewer records (posts deleted at the source, a corrected file) loses
      them, as a clean build would. Keys never move between days: each record lands in the
      day partition of its own timestamp. -#}
  {%- if execute and is_incremental() and (this.identifier | lower) in var('windowed_tables', []) -%}
    {%- set window = lake_window() -%}
    {%- if window is not none -%}
      delete from {{ this }} where {{ in_lake_window('lake_date', window) }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
