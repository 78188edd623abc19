{#
  dbt.type_float() is "float", which DuckDB reads as a 4-byte REAL: too coarse for prices
  and market caps. The lake stores float64, so the warehouse keeps 8-byte doubles everywhere.
#}

{% macro type_double() %}
  {{ return(adapter.dispatch('type_double', 'cryptopulse')()) }}
{% endmacro %}

{% macro default__type_double() -%}
  double precision
{%- endmacro %}

{% macro spark__type_double() -%}
  double
{%- endmacro %}


{#
  Strings: dbt.type_string() everywhere, except on Redshift, where an unsized varchar holds
  only 256 bytes. max_chars is the longest value the lake accepts (cryptopulse.core.datasets:
  512 for ids, names and authors, 2048 for urls, 10000 for post text); Redshift sizes in
  bytes, so it gets four per character, at most its 65535 maximum.
#}

{% macro type_text(max_chars=512) %}
  {{ return(adapter.dispatch('type_text', 'cryptopulse')(max_chars)) }}
{% endmacro %}

{% macro default__type_text(max_chars) -%}
  {{ dbt.type_string() }}
{%- endmacro %}

{% macro redshift__type_text(max_chars) -%}
  varchar({{ [max_chars * 4, 65535] | min }})
{%- endmacro %}
