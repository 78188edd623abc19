{#
  No timestamp lies more than tolerance_minutes after now (both in UTC). Failing rows: every
  row dated beyond that margin.

  The default must agree with the lake's landing rule, FUTURE_TOLERANCE in
  src/cryptopulse/lake/conform.py (tests/test_warehouse_models.py checks that they do): a row
  landing lets through must not fail here, or a run whose window includes "now" fails its
  checks on rows the lake accepted. Change both together.
#}
{% test not_in_future(model, column_name, tolerance_minutes=5) %}

select *
from {{ model }}
where {{ column_name }} > {{ dbt.dateadd('minute', tolerance_minutes, current_utc_timestamp()) }}

{% endtest %}
