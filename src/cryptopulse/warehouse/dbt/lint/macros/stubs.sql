{#
  sqlfluff's stand-ins for the project's macros (macros/), only for `make lint`: the jinja
  templater renders the models with these, which return SQL of the shape dbt compiles
  (the real macros need dbt's adapter, graph and database, which sqlfluff has not).
  dbt never reads this folder (it is outside the project's macro-paths).
#}

{% macro stage_lake_dataset(dataset, key, order_by=[], exclude=[], outputs={}, keep='row', where=none) -%}
select * from lake_{{ dataset }}
{%- endmacro %}

{% macro select_lake_dataset(dataset, window=none) -%}
select * from lake_{{ dataset }}
{%- endmacro %}

{% macro type_text(max_chars=512) %}varchar{% endmacro %}

{% macro type_double() %}double{% endmacro %}

{% macro as_utc_timestamp(column) %}timezone('UTC', {{ column }}){% endmacro %}

{% macro utc_hour(column) %}date_trunc('hour', {{ column }}){% endmacro %}

{% macro current_utc_timestamp() %}now(){% endmacro %}

{% macro hour_date_key(hour_ts) %}cast(strftime({{ hour_ts }}, '%Y%m%d%H') as integer){% endmacro %}

{% macro iso_weekday(column) %}isodow({{ column }}){% endmacro %}

{% macro iso_week(column) %}weekofyear({{ column }}){% endmacro %}

{% macro iso_year(column) %}isoyear({{ column }}){% endmacro %}

{% macro month_name(month_number) %}monthname({{ month_number }}){% endmacro %}

{% macro weekday_name(iso_weekday_number) %}dayname({{ iso_weekday_number }}){% endmacro %}

{% macro exact_sum(expression, scale=15) %}sum({{ expression }}){% endmacro %}

{% macro exact_decimal_sum(expression, scale=15) %}sum({{ expression }}){% endmacro %}

{% macro lake_window() %}{{ return(none) }}{% endmacro %}

{% macro run_window() %}{{ return(none) }}{% endmacro %}

{% macro in_lake_window(column='lake_date', window=none) %}{{ column }} is not null{% endmacro %}

{% macro in_window_months(column) %}{{ column }} is not null{% endmacro %}

{% macro in_time_range(column, start, end) %}{{ column }} is not null{% endmacro %}

{% macro in_date_key_range(column, start, end) %}{{ column }} is not null{% endmacro %}

{% macro merge_window_tag() %}'all'{% endmacro %}

{% macro coin_social_hourly_bounds(window, zscore_hours) %}
  {{ return({'read_from': none, 'keep_from': none, 'end': none}) }}
{% endmacro %}

{% macro sentiment_change(sentiment='mean_sentiment', partition='coin_key', order='hour_ts') -%}
{{ sentiment }} - sum({{ sentiment }}) over (
    partition by {{ partition }} order by {{ order }} rows between 24 preceding and 1 preceding
) / nullif(count({{ sentiment }}) over (
    partition by {{ partition }} order by {{ order }} rows between 24 preceding and 1 preceding
), 0)
{%- endmacro %}

{% macro newey_west_bandwidth(n) %}least(12, cast(floor(4 * power({{ n }} / 100.0, 2.0 / 9.0)) as integer)){% endmacro %}

{% macro leadlag_max_hac_lags() %}{{ return(12) }}{% endmacro %}

{% macro hac_autocovariances(changes, lags, moments, max_hac) -%}
autocovariances as (

    select
        {{ moments }}.coin_key,
        {{ moments }}.lag_hours,
        {% for j in range(0, max_hac + 1) -%}
            sum({{ changes }}.sentiment_change) as gamma_{{ j }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ moments }}
    inner join {{ lags }} on {{ moments }}.lag_hours = {{ lags }}.lag_hours
    inner join {{ changes }} on {{ moments }}.coin_key = {{ changes }}.coin_key
    group by {{ moments }}.coin_key, {{ moments }}.lag_hours

)
{%- endmacro %}
