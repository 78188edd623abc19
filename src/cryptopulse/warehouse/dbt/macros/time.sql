{#
  Time helpers shared by models and tests. Every warehouse timestamp is a UTC wall-clock
  `timestamp` without time zone, so date parts never depend on a session's time zone.
  Engine-specific bits are adapter-dispatched: default__ is ANSI/PostgreSQL flavoured,
  duckdb__ where DuckDB differs or has a plainer spelling.
#}

{% macro as_utc_timestamp(column) %}
  {#- A timestamp with time zone (the lake's UTC_TS) as a UTC timestamp without time zone. -#}
  {{ return(adapter.dispatch('as_utc_timestamp', 'cryptopulse')(column)) }}
{% endmacro %}

{% macro default__as_utc_timestamp(column) -%}
  {#- PostgreSQL and DuckDB alike: timestamptz AT TIME ZONE 'UTC' is the UTC wall clock. -#}
  cast(({{ column }}) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro utc_hour(column) -%}
  {#- The UTC hour a timestamp (already UTC, no time zone) falls in. -#}
  cast({{ dbt.date_trunc('hour', column) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro current_utc_timestamp() -%}
  {#- Now, as a UTC timestamp without time zone: comparable with every warehouse timestamp. -#}
  {{ as_utc_timestamp(dbt.current_timestamp()) }}
{%- endmacro %}


{% macro hour_date_key(hour_ts) -%}
  {#- dim_date's key for a UTC hour: the integer YYYYMMDDHH, e.g. 2024010107. Computed the same
      way in dim_date and in the facts, so facts need no join to find it. -#}
  cast(
    extract(year from {{ hour_ts }}) * 1000000
    + extract(month from {{ hour_ts }}) * 10000
    + extract(day from {{ hour_ts }}) * 100
    + extract(hour from {{ hour_ts }})
    as {{ dbt.type_int() }})
{%- endmacro %}


{% macro iso_weekday(column) %}
  {#- ISO 8601 day of week: 1 = Monday .. 7 = Sunday. -#}
  {{ return(adapter.dispatch('iso_weekday', 'cryptopulse')(column)) }}
{% endmacro %}

{% macro default__iso_weekday(column) -%}
  cast(extract(isodow from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__iso_weekday(column) -%}
  cast(isodow({{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro iso_week(column) %}
  {#- ISO 8601 week number, 1..53 (2024-12-30 is week 1 of ISO year 2025). -#}
  {{ return(adapter.dispatch('iso_week', 'cryptopulse')(column)) }}
{% endmacro %}

{% macro default__iso_week(column) -%}
  cast(extract(week from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__iso_week(column) -%}
  cast(weekofyear({{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro iso_year(column) %}
  {#- The ISO 8601 week-numbering year the ISO week belongs to. -#}
  {{ return(adapter.dispatch('iso_year', 'cryptopulse')(column)) }}
{% endmacro %}

{% macro default__iso_year(column) -%}
  cast(extract(isoyear from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__iso_year(column) -%}
  cast(isoyear({{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro month_name(month_number) -%}
  {#- English month name from the month number: the same on every engine, whatever its locale. -#}
  case {{ month_number }}
    {%- for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July',
                     'August', 'September', 'October', 'November', 'December'] %}
    when {{ loop.index }} then '{{ name }}'
    {%- endfor %}
  end
{%- endmacro %}


{% macro weekday_name(iso_weekday_number) -%}
  {#- English day name from the ISO weekday number (1 = Monday). -#}
  case {{ iso_weekday_number }}
    {%- for name in ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] %}
    when {{ loop.index }} then '{{ name }}'
    {%- endfor %}
  end
{%- endmacro %}


{% macro in_time_range(column, start, end) -%}
  {#- A predicate: the timestamp lies in [start, end) ('YYYY-MM-DD HH:MM:SS' literals, so
      scans can skip row groups); always true when start is none. -#}
  {%- if start is none -%}
    1 = 1
  {%- else -%}
    {{ column }} >= cast('{{ start }}' as {{ dbt.type_timestamp() }})
    and {{ column }} < cast('{{ end }}' as {{ dbt.type_timestamp() }})
  {%- endif -%}
{%- endmacro %}


{% macro in_date_key_range(column, start, end) -%}
  {#- A predicate: the dim_date key (YYYYMMDDHH) lies in the hours [start, end)
      ('YYYY-MM-DD HH:MM:SS' literals, whole hours), as integer literals so scans of a
      column holding the key can skip row groups; always true when start is none. -#}
  {%- if start is none -%}
    1 = 1
  {%- else -%}
    {%- set keys = [] -%}
    {%- for stamp in [start, end] -%}
      {%- do keys.append(stamp[0:4] ~ stamp[5:7] ~ stamp[8:10] ~ stamp[11:13]) -%}
    {%- endfor -%}
    {{ column }} >= {{ keys[0] }} and {{ column }} < {{ keys[1] }}
  {%- endif -%}
{%- endmacro %}
