{#
  Redshift's spellings of the adapter-dispatched helpers, where the default (ANSI/PostgreSQL
  flavoured) SQL is not Redshift's. dbt-redshift dispatches redshift__ first, then
  postgres__, then default__. Checked offline: tests/warehouse/test_redshift_compile.py
  compiles every model and test for the redshift target and checks each statement against
  Redshift's dialect (no Redshift was reachable to run them; docs/warehouse.md, "Redshift").

  Elsewhere for Redshift: redshift__type_text (macros/types.sql) sizes varchar in bytes.
  redshift__hash overrides dbt's own hash (dbt_project.yml dispatches dbt's macros here first).
#}

{% macro redshift__as_utc_timestamp(column) -%}
  {#- Redshift's COPY loads the lake's UTC instants as UTC timestamps without time zone
      (engines/redshift_copy.py), and getdate() is one too. convert_timezone with one zone
      reads a timestamp as UTC and a timestamptz as the instant it is, so both come out as
      the UTC wall clock, whatever the session's time zone. -#}
  cast(convert_timezone('UTC', {{ column }}) as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#- EXTRACT on Redshift has no isodow, isoyear: its TO_CHAR has the ISO 8601 fields (ID:
    Monday 1 .. Sunday 7, IW: ISO week, IYYY: ISO year). -#}

{% macro redshift__iso_weekday(column) -%}
  cast(to_char({{ column }}, 'ID') as {{ dbt.type_int() }})
{%- endmacro %}

{% macro redshift__iso_week(column) -%}
  cast(to_char({{ column }}, 'IW') as {{ dbt.type_int() }})
{%- endmacro %}

{% macro redshift__iso_year(column) -%}
  cast(to_char({{ column }}, 'IYYY') as {{ dbt.type_int() }})
{%- endmacro %}


{% macro redshift__hash(field) -%}
  {#- dbt.hash casts to dbt's string type, which Redshift reads as varchar(256): a longer key
      (post ids may hold 512 characters, source|post_id more) would be cut before hashing,
      and two keys sharing their first 256 bytes would get one hash. -#}
  md5(cast({{ field }} as varchar(65535)))
{%- endmacro %}

{% macro redshift__get_create_index_sql(relation, index_dict) -%}
  {#- Redshift has no indexes (its sort keys do that job: dbt_project.yml). Without this,
      dbt-redshift would fall back to postgres__get_create_index_sql and issue the
      PostgreSQL marts' CREATE INDEX, which Redshift refuses. -#}
  {% do return(None) %}
{%- endmacro %}
