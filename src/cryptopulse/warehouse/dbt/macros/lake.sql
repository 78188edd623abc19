{#
  Reading the lake's raw layer.

  select_lake_dataset(dataset) is what a staging model's `source` CTE selects from: every
  column of the dataset's contract (cryptopulse.core.datasets, declared to dbt in
  models/staging/_sources.yml) plus `filename`, the lake file each row came from, and
  `lake_date`, the day partition it was landed in (staging keeps the row from the greatest
  file name per natural key: macros/staging.sql).

  - The dataset is in var('lake_datasets'): the rows come from read_lake_dataset(), which is
    adapter-dispatched (DuckDB reads the Parquet glob; other engines read the declared
    source table, which their loader must give a `filename` column).
  - It is not (nothing landed yet): a typed select that returns no rows, so the staging model
    still builds as an empty table with the right columns.

  source('lake', dataset) is always called, so lineage (dbt docs, selectors such as
  `source:lake.posts+`) holds whichever branch runs.
#}

{% macro lake_dataset_columns(dataset) %}
  {#- The dataset's columns as (name, raw SQL type, staging expression) triples, read from
      its source table in models/staging/_sources.yml, whose columns are the core dataset
      contract's (cryptopulse.core.datasets; a test checks the two agree). The graph is
      complete only when executing; parsing needs no columns. -#}
  {%- if not execute -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set node = graph.sources.get('source.' ~ project_name ~ '.lake.' ~ dataset) -%}
  {%- if node is none or not node.columns -%}
    {{ exceptions.raise_compiler_error("Unknown lake dataset '" ~ dataset ~ "': no source table lake." ~ dataset ~ " with columns in models/staging/_sources.yml") }}
  {%- endif -%}
  {%- set columns = [] -%}
  {%- for column in node.columns.values() -%}
    {%- set meta = (column.config or {}).get('meta') or column.meta or {} -%}
    {%- do columns.append((
        column.name,
        lake_sql_type(column.data_type, meta.get('max_chars')),
        lake_staging_cast(column.name, column.data_type, meta.get('max_chars')),
    )) -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}


{% macro lake_sql_type(arrow_type, max_chars=none) %}
  {#- The portable SQL type of a lake column from its contract's Arrow type. -#}
  {%- if arrow_type == 'string' -%}
    {{ return(type_text(max_chars or 512)) }}
  {%- elif arrow_type == 'double' -%}
    {{ return(type_double()) }}
  {%- elif arrow_type == 'int64' -%}
    {{ return(dbt.type_bigint()) }}
  {%- elif arrow_type.startswith('timestamp[') -%}
    {{ return(dbt.type_timestamp()) }}
  {%- endif -%}
  {{ exceptions.raise_compiler_error("No warehouse type for the lake's Arrow type '" ~ arrow_type ~ "' (macros/lake.sql, lake_sql_type)") }}
{% endmacro %}


{% macro lake_staging_cast(column, arrow_type, max_chars=none) -%}
  {#- How staging types a raw column: a cast to its SQL type; a UTC timestamp (tz=UTC)
      becomes a UTC timestamp without time zone. -#}
  {%- if arrow_type.startswith('timestamp[') and 'tz=UTC' in arrow_type -%}
    {{ return(as_utc_timestamp(column)) }}
  {%- endif -%}
  {{ return('cast(' ~ column ~ ' as ' ~ lake_sql_type(arrow_type, max_chars) ~ ')') }}
{%- endmacro %}


{% macro lake_datasets() %}
  {#- The datasets that have at least one file in the lake (var lake_datasets); by default
      every raw dataset of the contracts (the lake source's tables without zone enrich). -#}
  {%- set datasets = var('lake_datasets', none) -%}
  {%- if datasets is none -%}
    {%- set datasets = [] -%}
    {%- for node in (graph.sources.values() if execute else []) -%}
      {%- if node.source_name == 'lake' and lake_dataset_zone(node.name) == 'raw' -%}
        {%- do datasets.append(node.name) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if datasets is string -%}
    {%- set datasets = datasets.split(',') | map('trim') | reject('equalto', '') | list -%}
  {%- endif -%}
  {{ return(datasets) }}
{% endmacro %}


{% macro select_lake_dataset(dataset, window=none) %}
  {#- window: (start, end) to read only those day partitions; by default an incremental
      run's window (lake_window()), none outside one. -#}
  {%- set source_relation = source('lake', dataset) -%}
  {%- set columns = lake_dataset_columns(dataset) -%}
  {%- set window = window if window is not none else lake_window() -%}
  {%- set relation = read_lake_dataset(dataset, source_relation, window) if dataset in lake_datasets() else none -%}
  {%- if relation is not none -%}
    {#- Names quoted: a contract column may be a reserved word somewhere (posts' `raw` is
        one on Redshift). -#}
    select
      {%- for name, _, _ in columns %}
        {{ adapter.quote(name) }},
      {%- endfor %}
        filename,
        lake_date
    from {{ relation }}
  {%- else -%}
    {#- Nothing landed for this dataset (in the window) yet: an empty, typed relation. -#}
    select
      {%- for name, data_type, _ in columns %}
        cast(null as {{ data_type }}) as {{ adapter.quote(name) }},
      {%- endfor %}
        cast(null as {{ type_text(2048) }}) as filename,
        cast(null as date) as lake_date
    where 1 = 0
  {%- endif -%}
{% endmacro %}


{% macro read_lake_dataset(dataset, source_relation, window=none) %}
  {#- The relation to select the dataset's rows from, or none when the window has no files. -#}
  {{ return(adapter.dispatch('read_lake_dataset', 'cryptopulse')(dataset, source_relation, window)) }}
{% endmacro %}


{% macro default__read_lake_dataset(dataset, source_relation, window=none) %}
  {#- Server engines (PostgreSQL, Redshift): the raw table a loader filled, or an external
      table over the lake (Redshift Spectrum), carrying the lake file name in `filename`. -#}
  {{ return(source_relation) }}
{% endmacro %}


{% macro duckdb__read_lake_dataset(dataset, source_relation, window=none) %}
  {#- DuckDB reads the lake's Parquet files directly, local or s3:// (the duckdb_s3 target
      registers an fsspec s3 filesystem). Only *.parquet at exactly
      raw/<source>/<dataset>/date=YYYY-MM-DD/ is read: CSV copies beside them, quarantine/
      and anything else in the lake are not. With a window, only the files of its days are
      listed (lake_window_files_sql). -#}
  {%- set lake_url = var('lake_url', none) -%}
  {%- if lake_url is none or (lake_url | string | trim) == '' -%}
    {%- if execute -%}
      {{ exceptions.raise_compiler_error("var 'lake_url' is required: pass --vars '{lake_url: <absolute path or s3://bucket/prefix>}'") }}
    {%- endif -%}
    {%- set lake_url = 'lake_url-not-set' -%}
  {%- endif -%}
  {%- set pattern = (lake_url | string | trim).rstrip('/') ~ '/' ~ lake_dataset_path(dataset) -%}
  {%- set files = pattern | replace("'", "''") -%}
  {%- if window is not none and execute -%}
    {#- A window names its files: binding a glob with union_by_name reads the footer of
        every file in the lake, a cost that grows with the history, not the window. -#}
    {%- set listed = run_query(lake_window_files_sql(files, window)) -%}
    {%- set paths = listed.columns[0].values() | list -%}
    {%- if paths | length == 0 -%}
      {{ return(none) }}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for path in paths -%}
      {%- do quoted.append("'" ~ (path | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set files = '[' ~ (quoted | join(', ')) ~ ']' -%}
  {%- else -%}
    {%- set files = "'" ~ files ~ "'" -%}
  {%- endif -%}
  {#- The date=YYYY-MM-DD folder becomes lake_date: a filter on it skips whole files. -#}
  {%- set relation -%}
  (
    select * exclude ("date"), "date" as lake_date
    from read_parquet(
      {{ files }},
      filename = true, union_by_name = true,
      hive_partitioning = true, hive_types = {'date': date}
    )
  )
  {%- endset -%}
  {{ return(relation) }}
{% endmacro %}


{% macro lake_window_files_sql(pattern, window) %}
  {#- The files of the glob (already quoted for SQL) in the window's date=YYYY-MM-DD folders. -#}
  {%- set sql -%}
    select file
    from (
        select file,
               try_cast(regexp_extract(file, '/date=([0-9-]{10})/[^/]*$', 1) as date) as day
        from glob('{{ pattern }}')
    ) as files
    where day >= cast('{{ window[0] }}' as date) and day < cast('{{ window[1] }}' as date)
    order by file
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}


{% macro lake_dataset_zone(dataset) %}
  {#- 'enrich' for an enrichment result (its source table's meta zone in _sources.yml, checked
      against cryptopulse.core.datasets.ENRICH_DATASETS), else 'raw'. Read when executing. -#}
  {%- set node = graph.sources.get('source.' ~ project_name ~ '.lake.' ~ dataset) if execute else none -%}
  {%- if node is none -%}
    {{ return('raw') }}
  {%- endif -%}
  {%- set meta = (node.config or {}).get('meta') or node.meta or {} -%}
  {{ return(meta.get('zone', 'raw')) }}
{% endmacro %}


{% macro lake_dataset_path(dataset) %}
  {#- The glob of a dataset's files under the lake root. Raw datasets:
      raw/<source>/<dataset>/date=YYYY-MM-DD/*.parquet. Enrichment results (cryptopulse.enrich):
      enrich/<dataset>/<version>/date=YYYY-MM-DD/*.parquet, the version from
      var('enrich_versions') (the pipeline passes the ones it wrote). -#}
  {%- set versions = var('enrich_versions', {}) -%}
  {%- if lake_dataset_zone(dataset) == 'enrich' -%}
    {%- if dataset not in versions -%}
      {{ exceptions.raise_compiler_error("var 'enrich_versions' has no version for '" ~ dataset ~ "'") }}
    {%- endif -%}
    {{ return('enrich/' ~ dataset ~ '/' ~ versions[dataset] ~ '/*/*.parquet') }}
  {%- endif -%}
  {{ return('raw/*/' ~ dataset ~ '/*/*.parquet') }}
{% endmacro %}
