{#
  Spark's spellings (dbt-spark, session method; cryptopulse.warehouse.engines.spark), where
  the default (ANSI/PostgreSQL flavoured) SQL is not Spark SQL's, and how its incremental
  models replace a window.

  Incremental models: Parquet tables have no DELETE or MERGE, so each incremental model is
  partitioned (dbt_project.yml, partition_by: the windowed tables by lake_date, the day the
  rows were landed; the marts by the key they are merged on) and dbt's delete+insert becomes
  insert_overwrite of the partitions the run writes (dynamic partition overwrite): a daily run
  rewrites its days' folders and leaves every other file as it was. The windowed tables'
  pre-hook drops the window's partitions first, so a day re-landed with no rows left loses its
  old ones, as a delete would.

  The session's configuration (engines/spark_session.py): `timestamp` is TIMESTAMP_NTZ and
  the session time zone UTC, so every warehouse timestamp is a UTC wall clock, as on DuckDB.
#}

{% macro spark__read_lake_dataset(dataset, source_relation, window=none) %}
  {#- The dataset's Parquet files read in place (local paths, or s3a:// on a cluster), with
      `filename` (the file a row came from) and `lake_date` (its date=YYYY-MM-DD folder).
      With a window only its day folders are listed: var spark_lake_days holds the days the
      lake has per dataset (the engine lists them), as a glob of a day set matching no folder
      fails the read. None when no file is in the window. -#}
  {%- set lake_url = (var('lake_url', 'lake_url-not-set') | string | trim).rstrip('/') -%}
  {%- if lake_url.startswith('s3://') -%}
    {%- set lake_url = 's3a://' ~ lake_url[5:] -%}
  {%- endif -%}
  {%- set path = lake_dataset_path(dataset) -%}
  {%- set folder = path[:-('/*/*.parquet' | length)] -%}
  {%- set by_dataset = var('spark_lake_days', {}) or {} -%}
  {%- if by_dataset is string -%}
    {#- JSON text when passed by the Airflow tasks (airflow_tasks.transform_vars). -#}
    {%- set by_dataset = fromjson(by_dataset) -%}
  {%- endif -%}
  {%- set days = by_dataset.get(dataset, []) -%}
  {%- if window is not none -%}
    {%- set days = days | select('ge', window[0]) | select('lt', window[1]) | list -%}
  {%- endif -%}
  {%- if execute and days | length == 0 -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set day_glob = '*' if window is none else '{' ~ (days | join(',')) ~ '}' -%}
  {%- set files = lake_url ~ '/' ~ folder ~ '/date=' ~ day_glob ~ '/*.parquet' -%}
  {%- set relation -%}
  (
    select
        lake_files.*,
        lake_files._metadata.file_path as filename,
        cast(regexp_extract(lake_files._metadata.file_path, '/date=([0-9-]{10})/[^/]*$', 1) as date)
            as lake_date
    from parquet.`{{ files | replace('`', '') }}` as lake_files
  )
  {%- endset -%}
  {{ return(relation) }}
{% endmacro %}


{% macro spark__replace_lake_window() -%}
  {#- Pre-hook: a windowed table's partitions of the window's days are dropped; the
      insert_overwrite that follows writes what those days hold now. -#}
  {%- if execute and is_incremental() and (this.identifier | lower) in var('windowed_tables', []) -%}
    {%- set window = lake_window() -%}
    {%- if window is not none -%}
      {%- set first = modules.datetime.date.fromisoformat(window[0]) -%}
      {%- set last = modules.datetime.date.fromisoformat(window[1]) -%}
      {%- set specs = [] -%}
      {%- for offset in range((last - first).days) -%}
        {%- set day = first + modules.datetime.timedelta(days=offset) -%}
        {%- do specs.append("partition (lake_date = '" ~ day.isoformat() ~ "')") -%}
      {%- endfor -%}
      {%- if specs -%}
        alter table {{ this }} drop if exists {{ specs | join(', ') }}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}


{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
  {#- Overrides dbt-spark's check of a model's strategy: the models' delete+insert (the
      strategy of every other engine) is insert_overwrite of the model's partitions here,
      which replaces the same rows as long as the partition column is the merge key or the
      lake day (dbt_project.yml sets it for each incremental model). -#}
  {%- if raw_strategy == 'delete+insert' -%}
    {%- if not config.get('partition_by') -%}
      {{ exceptions.raise_compiler_error("Spark: incremental model " ~ this ~ " merges with delete+insert and needs a partition_by (dbt_project.yml) to replace its rows with insert_overwrite") }}
    {%- endif -%}
    {{ return('insert_overwrite') }}
  {%- endif -%}
  {{ return(dbt_spark_validate_get_incremental_strategy_of_adapter(raw_strategy, file_format)) }}
{% endmacro %}


{% macro dbt_spark_validate_get_incremental_strategy_of_adapter(raw_strategy, file_format) %}
  {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}


{% macro spark__as_utc_timestamp(column) -%}
  {#- The lake's UTC instants (TIMESTAMP) as the UTC wall clock: the session's zone is UTC. -#}
  cast({{ column }} as timestamp_ntz)
{%- endmacro %}


{% macro spark__iso_weekday(column) -%}
  cast(extract(dayofweek_iso from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro spark__iso_year(column) -%}
  cast(extract(yearofweek from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro spark__date_spine(datepart, start_date, end_date) -%}
  {#- dbt's date_spine (start included, end excluded) with Spark's sequence(): dbt's default
      counts the intervals with a query whose result dbt-spark returns as none. -#}
  select date_{{ datepart }}
  from (
      select explode(sequence(
          {{ start_date }}, {{ end_date }}, interval 1 {{ datepart }}
      )) as date_{{ datepart }}
  ) as spine
  where date_{{ datepart }} < {{ end_date }}
{%- endmacro %}


{#- dbt-spark's dateadd and datediff go through Unix seconds and to_timestamp, which give
    null for TIMESTAMP_NTZ; Spark's timestampadd and timestampdiff keep the type. -#}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
  timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}


{% macro spark__datediff(first_date, second_date, datepart) -%}
  timestampdiff({{ datepart }}, {{ first_date }}, {{ second_date }})
{%- endmacro %}


{% macro remember_column_order() %}
  {#- Post-hook of every model (dbt_project.yml). Spark stores a partitioned table's
      partition column last; the table remembers where the model put it in a table property
      (cryptopulse.partition_positions, e.g. date_key=2), which the engine's reader lists
      columns by, so exports have the same columns in the same order on every engine. Only
      positions: Spark redacts a property whose value looks like a secret (`authors`).
      Nothing elsewhere. -#}
  {{ return(adapter.dispatch('remember_column_order', 'cryptopulse')()) }}
{% endmacro %}

{% macro default__remember_column_order() %}
{% endmacro %}

{% macro spark__remember_column_order() %}
  {%- if execute and config.get('partition_by') and config.get('materialized') != 'view' -%}
    {%- set described = run_query('describe query ' ~ model.compiled_code) -%}
    {%- set names = described.columns[0].values() | list -%}
    {%- set partitioned = config.get('partition_by') -%}
    {%- set partitioned = [partitioned] if partitioned is string else partitioned -%}
    {%- set positions = [] -%}
    {%- for name in names -%}
      {%- if name in partitioned -%}
        {%- do positions.append(name ~ '=' ~ loop.index0) -%}
      {%- endif -%}
    {%- endfor -%}
    alter table {{ this }} set tblproperties (
        'cryptopulse.partition_positions' = '{{ positions | join(",") }}'
    )
  {%- endif -%}
{% endmacro %}
