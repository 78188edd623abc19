{#
  No timestamp lies after now (both in UTC). Failing rows: every row dated in the future.
#}
{% test not_in_future(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} > {{ current_utc_timestamp() }}

{% endtest %}
