{#
  DuckDB's spellings of the adapter-dispatched helpers, where dbt-duckdb's own do not suit.
#}

{% macro duckdb__create_indexes(relation) -%}
  {#- No ART indexes on DuckDB: the marts' indexes (dbt_project.yml) are for PostgreSQL's
      readers. DuckDB answers the same coin-and-time queries from its zone maps, an index
      costs build time, and dbt-duckdb's swap lists duckdb_indexes() in every model's
      transaction: with indexes present, a model whose transaction began before another
      thread swapped an indexed table failed with "Table with name <model>__dbt_backup does
      not exist" (DuckDB 1.4–2.0; seen on every full refresh of an existing seed-scale
      warehouse with two threads). -#}
{%- endmacro %}
