{#
  Planner hints for a model whose best plan an engine's planner misses, as a pre-hook
  (dbt_project.yml); nothing on engines that plan it well.

  agg_sentiment_return_sums_daily joins every (coin, hour, lag) to the hour lag hours later.
  PostgreSQL estimates the lag series badly and sorts all the pairs (13M at the seed scale)
  for a merge join; joined in the order written, (hours × lags) probes a hash of the hours
  instead. SET LOCAL: for the model's own transaction only.
#}

{% macro join_as_written() %}
  {{ return(adapter.dispatch('join_as_written', 'cryptopulse')()) }}
{% endmacro %}

{% macro default__join_as_written() -%}
{%- endmacro %}

{% macro postgres__join_as_written() -%}
  set local join_collapse_limit = 1; set local enable_mergejoin = off
{%- endmacro %}

{% macro redshift__join_as_written() -%}
  {#- dbt-redshift would fall back to the PostgreSQL hint, whose settings Redshift lacks. -#}
{%- endmacro %}
