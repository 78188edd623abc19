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


{#
  The landing clock tolerance: a row up to this many minutes after now is not "in the future".
  It must agree with the lake's landing rule, FUTURE_TOLERANCE in src/cryptopulse/lake/conform.py
  (tests/warehouse/test_warehouse_models.py checks that they do): a row landing lets through
  must not fail here, or a run whose window includes "now" fails its checks on rows the lake
  accepted. Change both together.
#}
{% macro future_tolerance_minutes() %}{{ return(5) }}{% endmacro %}


{#
  row_checks' conditions (tests/generic/row_checks.sql), validated and sorted by how they run:
  row conditions (one scan, each with the SQL that is true on a failing row), uniqueness
  (one aggregate each) and relationships (one anti-join each), plus the columns they read.
#}
{% macro row_checks_plan(conditions) %}
  {%- set kinds = ["not_null", "unique", "accepted_range", "accepted_values", "not_in_future",
                   "relationships"] -%}
  {%- set plan = {"row_conditions": [], "unique_conditions": [], "relationships": [],
                  "columns": []} -%}
  {%- set names = [] -%}
  {%- for condition in conditions -%}
    {%- set given = condition.keys() | select("in", kinds) | list -%}
    {%- if condition.name is not string or "'" in condition.name or condition.name in names
          or condition.description is not string or given | length != 1 -%}
      {{ exceptions.raise_compiler_error(
          "row_checks: each condition needs a unique `name` (no quotes), a one-line "
          ~ "`description` and exactly one of " ~ kinds | join(", ") ~ "; got " ~ condition) }}
    {%- endif -%}
    {%- do names.append(condition.name) -%}
    {%- set kind = given[0] -%}
    {%- set spec = condition[kind] -%}
    {%- set column = spec if spec is string else (spec.column if spec is mapping else none) -%}
    {%- if kind == "not_null" -%}
      {%- do plan.row_conditions.append({"name": condition.name, "fails": column ~ " is null"}) -%}
    {%- elif kind == "not_in_future" -%}
      {%- set latest = dbt.dateadd("minute", future_tolerance_minutes(), current_utc_timestamp()) -%}
      {%- do plan.row_conditions.append({"name": condition.name,
                                         "fails": column ~ " > " ~ latest}) -%}
    {%- elif kind == "accepted_range" -%}
      {%- set inclusive = spec.get("inclusive", true) -%}
      {%- set outside = [] -%}
      {%- if spec.get("min_value") is not none -%}
        {%- do outside.append(column ~ (" < " if inclusive else " <= ") ~ spec.min_value) -%}
      {%- endif -%}
      {%- if spec.get("max_value") is not none -%}
        {%- do outside.append(column ~ (" > " if inclusive else " >= ") ~ spec.max_value) -%}
      {%- endif -%}
      {%- do plan.row_conditions.append({"name": condition.name, "fails":
          column ~ " is not null and (" ~ outside | join(" or ") ~ ")"}) -%}
    {%- elif kind == "accepted_values" -%}
      {%- set quoted = [] -%}
      {%- for value in spec["values"] -%}{%- do quoted.append("'" ~ value ~ "'") -%}{%- endfor -%}
      {%- do plan.row_conditions.append({"name": condition.name, "fails":
          column ~ " is not null and " ~ column ~ " not in (" ~ quoted | join(", ") ~ ")"}) -%}
    {%- elif kind == "unique" -%}
      {%- set keys = [spec] if spec is string else spec -%}
      {%- do plan.unique_conditions.append({"name": condition.name, "key_columns": keys,
                                            "skip_nulls": spec is string}) -%}
      {%- set column = none -%}
      {%- for key in keys if key not in plan.columns -%}{%- do plan.columns.append(key) -%}{%- endfor -%}
    {%- elif kind == "relationships" -%}
      {%- do plan.relationships.append({"name": condition.name, "column": column,
                                        "to": spec.to, "field": spec.field}) -%}
    {%- endif -%}
    {%- if column is not none and column not in plan.columns -%}
      {%- do plan.columns.append(column) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(plan) }}
{% endmacro %}


{#
  dbt's test materialization, plus one query when a row_checks test fails: its failing rows
  counted per failed_check, logged as one line (NAMED_FAILURES_PREFIX in dbt_runner.py) that
  the runner reads, so the error names each failed condition. dbt itself only counts a test's
  rows. The extra query runs on failure only; a passing test costs what dbt's own does.
#}
{%- materialization test, default -%}
  {%- set relations = dbt.materialization_test_default() -%}
  {%- set metadata = model.get("test_metadata") or {} -%}
  {%- if execute and metadata.get("name") == "row_checks" -%}
    {%- set failures = load_result("main").table.columns["failures"].values()[0] -%}
    {%- if failures and failures > 0 -%}
      {%- set counted = run_query(
            "select failed_check, count(*) as failing_rows from (" ~ sql ~ ") checked "
            ~ "group by failed_check") -%}
      {%- set counts = {} -%}
      {%- for row in counted.rows -%}
        {%- do counts.update({row[0]: row[1] | int}) -%}
      {%- endfor -%}
      {%- do log("cryptopulse.failed_checks " ~ tojson({"unique_id": model.unique_id,
                                                        "counts": counts})) -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(relations) }}
{%- endmaterialization -%}
