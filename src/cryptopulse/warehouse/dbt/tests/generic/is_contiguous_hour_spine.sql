{#
  The column holds every UTC hour from its minimum to its maximum exactly once: the row count
  equals the hours between min and max, plus one, and no hour repeats. An empty model passes.
  Failing rows: one row with the bounds and the actual and expected counts when it is broken.
#}
{% test is_contiguous_hour_spine(model, column_name) %}

with bounds as (

    select
        min({{ column_name }}) as first_hour,
        max({{ column_name }}) as last_hour,
        count(*) as row_count,
        count(distinct {{ column_name }}) as distinct_hours
    from {{ model }}

),

checked as (

    select
        first_hour,
        last_hour,
        row_count,
        distinct_hours,
        {{ dbt.datediff('first_hour', 'last_hour', 'hour') }} + 1 as expected_rows
    from bounds
    where row_count > 0

)

select *
from checked
where row_count <> expected_rows
   or distinct_hours <> row_count

{% endtest %}
