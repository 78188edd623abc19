{#
  A model's checks in one test node: dbt spends about 55 ms of Python on every node it runs,
  so a model's column checks (present, unique, in range, known values, not in the future, key
  found in its parent) run as one query instead of one node each.

  conditions: a list, each with a `name` (what a failure prints: "likes is not negative"), a
  one-line `description`, and one kind of check:
    not_null: column            the column is never null
    unique: column              no non-null value repeats (dbt's unique)
    unique: [columns]           the columns together identify a row (nulls compare equal)
    accepted_range: {column, min_value, max_value, inclusive}   nulls pass, a bound left out
                                is not checked, open bounds when inclusive is false
    accepted_values: {column, values}                           nulls pass
    not_in_future: column       not after now plus the landing clock tolerance
                                (macros/checks.sql: future_tolerance_minutes)
    relationships: {column, to, field}                          nulls pass (dbt's relationships)

  Failing rows: one per failed condition and row, its `failed_check` column naming the
  condition, beside the columns the conditions read (null where a condition does not read
  them); a uniqueness condition gives one row per repeated key. The row conditions share one
  scan of the model (a row failing several gives a row for each); each uniqueness and
  relationship condition is one aggregate or anti-join, as dbt's own tests are. In a run with a
  window, `model` holds only the rows the run merged (macros/checks.sql: get_where_subquery).
  When the test fails, the test materialization (macros/checks.sql) counts the failing rows
  per condition, so the run's error names each failed condition.
#}
{% test row_checks(model, conditions) %}
{%- set plan = row_checks_plan(conditions) -%}
{%- set columns = plan.columns -%}

{%- for condition in conditions %}
-- {{ condition.name }}: {{ condition.description }}
{%- endfor %}
{%- set branches = [] -%}

{%- if plan.row_conditions -%}
{%- set branch -%}
select
    row_checks.failed_check,
    {{ columns | join(', ') }}
from (
    select
        {{ columns | join(', ') }},
        {% for condition in plan.row_conditions -%}
        case when {{ condition.fails }} then 1 else 0 end as dbt_failed_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor -%}
    from {{ model }}
    where
        {% for condition in plan.row_conditions -%}
        ({{ condition.fails }}){{ " or" if not loop.last }}
        {% endfor %}
) as failing_rows
cross join (
    {% for condition in plan.row_conditions -%}
    select {{ loop.index }} as check_number, '{{ condition.name }}' as failed_check
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}
) as row_checks
where case row_checks.check_number
    {% for condition in plan.row_conditions -%}
    when {{ loop.index }} then failing_rows.dbt_failed_{{ loop.index }}
    {% endfor -%}
end = 1
{%- endset -%}
{%- do branches.append(branch) -%}
{%- endif -%}

{%- for condition in plan.unique_conditions -%}
{%- set branch -%}
select
    '{{ condition.name }}' as failed_check,
    {% for column in columns -%}
    {{ column if column in condition.key_columns else "null as " ~ column }}{{ "," if not loop.last }}
    {% endfor -%}
from {{ model }}
{% if condition.skip_nulls -%}
where {{ condition.key_columns[0] }} is not null
{% endif -%}
group by {{ condition.key_columns | join(', ') }}
having count(*) > 1
{%- endset -%}
{%- do branches.append(branch) -%}
{%- endfor -%}

{%- for condition in plan.relationships -%}
{%- set branch -%}
select
    '{{ condition.name }}' as failed_check,
    {% for column in columns -%}
    child_rows.{{ column }}{{ "," if not loop.last }}
    {% endfor -%}
from (select {{ columns | join(', ') }} from {{ model }}) as child_rows
left join (select {{ condition.field }} as parent_key from {{ condition.to }}) as parent_rows
    on child_rows.{{ condition.column }} = parent_rows.parent_key
where child_rows.{{ condition.column }} is not null
  and parent_rows.parent_key is null
{%- endset -%}
{%- do branches.append(branch) -%}
{%- endfor %}

{{ branches | join("\nunion all\n") }}

{% endtest %}
