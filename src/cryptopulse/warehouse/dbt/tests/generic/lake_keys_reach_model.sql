{#
  Reconciliation: every natural key landed in the lake's raw dataset reaches the model
  (an anti-join that must return nothing).

  keys maps each model column to the raw column it comes from; the model columns listed in
  hour_keys hold the UTC hour of their raw timestamp (as staging computes it).
  Failing rows: each raw key missing from the model. In a run with a window only the
  window's lake partitions are reconciled (macros/checks.sql says why).
#}
{% test lake_keys_reach_model(model, dataset, keys, hour_keys=[]) %}

{#- Each side is joined as read, and only the missing keys are made distinct: de-duplicating
    both sides first (two hash aggregates over every key) cost about three times as much on
    a year of posts. A key repeated in the model matches all the same. #}
with lake_keys as (

    select
        {% for model_column, raw_column in keys.items() -%}
        {%- if model_column in hour_keys -%}
        {{ utc_hour(as_utc_timestamp(raw_column)) }}
        {%- else -%}
        {{ raw_column }}
        {%- endif %} as {{ model_column }}{{ "," if not loop.last }}
        {% endfor %}
    from (
        {{ select_lake_dataset(dataset, run_window()) }}
    ) as lake_rows
    where {{ in_lake_window('lake_date', run_window()) }}

),

model_keys as (

    select
        {% for model_column in keys -%}
        {{ model_column }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ model }}

)

select distinct lake_keys.*
from lake_keys
left join model_keys
    on {% for model_column in keys -%}
    lake_keys.{{ model_column }} = model_keys.{{ model_column }}
    {% if not loop.last %}and {% endif %}
    {%- endfor %}
where model_keys.{{ (keys | list)[0] }} is null

{% endtest %}
