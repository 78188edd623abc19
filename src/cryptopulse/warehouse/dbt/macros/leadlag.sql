{% macro sentiment_change(sentiment='mean_sentiment', partition='coin_key', order='hour_ts') -%}
  {#- The hour's mean sentiment minus its mean over the previous 24 hours (rows: the hourly
      mart has one row per coin and hour, without gaps). The previous hours' mean comes from
      an exact sum: a float window average depends on how the engine groups the frame,
      which differs between full and incremental builds. avg() skips nulls; so do sum()
      and count(). Shared by agg_sentiment_return_sums_daily and agg_sentiment_return_hac. -#}
  {{ sentiment }} - cast(sum(cast({{ sentiment }} as decimal(38, 15))) over (
      partition by {{ partition }} order by {{ order }}
      rows between 24 preceding and 1 preceding
  ) as {{ type_double() }}) / nullif(count({{ sentiment }}) over (
      partition by {{ partition }} order by {{ order }}
      rows between 24 preceding and 1 preceding
  ), 0)
{%- endmacro %}


{% macro newey_west_bandwidth(n) -%}
  {#- Newey and West's (1994) rule of thumb, floor(4 (n / 100)^(2/9)), the default of
      statsmodels' cov_hac: 5 for two weeks of hours, 10 for a year; capped at the lags
      agg_sentiment_return_hac computes (var leadlag_max_hac_lags, 12). -#}
  least(
      {{ leadlag_max_hac_lags() }},
      cast(floor(4 * power(cast({{ n }} as {{ type_double() }}) / 100.0, 2.0 / 9.0)) as {{ dbt.type_int() }})
  )
{%- endmacro %}


{% macro leadlag_max_hac_lags() -%}
  {#- The most autocovariance lags agg_sentiment_return_hac computes (var leadlag_max_hac_lags). -#}
  {{ return(var('leadlag_max_hac_lags', 12) | int) }}
{%- endmacro %}
