{#
  Where each model's table goes. DuckDB keeps its one-file layout: every table in the target
  schema (main), whatever a folder's +schema says. Server engines (PostgreSQL) keep what
  readers do not see apart: a model with a custom schema (staging, intermediate views) goes to
  <target schema>_<custom>, e.g. cryptopulse_staging, beside cryptopulse (dims, facts, marts)
  and cryptopulse_raw (the loader's raw tables, models/staging/_sources.yml).
#}

{% macro generate_schema_name(custom_schema_name, node) -%}
  {{- adapter.dispatch('generate_schema_name', 'cryptopulse')(custom_schema_name, node) -}}
{%- endmacro %}

{% macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ target.schema }}_{{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}

{% macro duckdb__generate_schema_name(custom_schema_name, node) -%}
  {{ target.schema }}
{%- endmacro %}
