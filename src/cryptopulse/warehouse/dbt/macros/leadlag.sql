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


{% macro hac_autocovariances(changes, lags, moments, max_hac) -%}
  {#- The CTEs of agg_sentiment_return_hac that end in `autocovariances`: per coin and lag k
      (the rows of `moments`), gamma_j = sum_t d_t d_{t-j} for j = 0..max_hac over the coin's
      hours (`changes`, one row per coin and hour without gaps), with
      d_t = (x_t - mean x) (y_{t+k} - mean y) / (sd x * sd y) - r_k, or 0 without a pair.
      The default sums the terms cast(d_t * d_{t-j} as decimal(38, 15)) exactly (order-free,
      so every engine gets the same bits); DuckDB's adds doubles in hour order (a rerun gives
      the same bits, the engines agree to about 1e-15). -#}
  {{ return(adapter.dispatch('hac_autocovariances', 'cryptopulse')(changes, lags, moments, max_hac)) }}
{%- endmacro %}


{% macro default__hac_autocovariances(changes, lags, moments, max_hac) -%}
  {#- One row per coin, lag and hour (coins x hours x 49 lags), the product j hours earlier
      by a window lag over the coin's hours. -#}
products as (

    select
        x.coin_key,
        lags.lag_hours,
        x.hour_ts,
        coalesce(
            (x.sentiment_change - moments.mean_x) * (y.hourly_return - moments.mean_y)
            / (moments.sd_x * moments.sd_y) - moments.correlation,
            0.0
        ) as d
    from {{ changes }} as x
    cross join {{ lags }} as lags
    inner join {{ moments }} as moments
        on x.coin_key = moments.coin_key
            and lags.lag_hours = moments.lag_hours
    left join {{ changes }} as y
        on x.coin_key = y.coin_key
            and y.hour_ts = {{ dbt.dateadd('hour', 'lags.lag_hours', 'x.hour_ts') }}

),

lagged as (

    select
        coin_key,
        lag_hours,
        d,
        {% for j in range(1, max_hac + 1) -%}
            lag(d, {{ j }}) over (partition by coin_key, lag_hours order by hour_ts) as d_{{ j }}
            {{- ',' if not loop.last }}
        {% endfor %}
    from products

),

autocovariances as (

    select
        coin_key,
        lag_hours,
        {{ exact_sum('d * d') }} as gamma_0,
        {% for j in range(1, max_hac + 1) -%}
            {{ exact_sum('d * d_' ~ j) }} as gamma_{{ j }}{{ ',' if not loop.last }}
        {% endfor %}
    from lagged
    group by coin_key, lag_hours

)
{%- endmacro %}


{% macro duckdb__hac_autocovariances(changes, lags, moments, max_hac) -%}
  {#- DuckDB: the default's 13M rows cost a hash join on (coin, hour) and a window sort of
      every (coin, lag, hour) (about 7 s of a seed-scale build). Here each coin's hours become
      two lists in hour order (x and y; list position = hour, the spine has no gaps), each
      (coin, lag) row computes its products as one list (y_{t+k} at position t + k, none
      outside the coin's hours), and gamma_j is the dot product of that list with itself
      shifted by j. list_dot_product adds in list order, one row at a time, so a rerun gives
      the same bits; it adds doubles, not the default's exact decimals, so DuckDB and the
      other engines agree to about 1e-15, not to the bit. The j lags are a lambda over
      0..max_hac rather than one expression each: DuckDB evaluates a projection for a whole
      vector of rows at once, and 13 shifted copies of every (coin, lag) row's list at once
      took 2.7 GB at seed scale; the lambda holds a few hundred rows' copies at a time. -#}
series as (

    select
        coin_key,
        count(*) as n_hours,
        list(sentiment_change order by hour_ts) as xs,
        list(hourly_return order by hour_ts) as ys
    from {{ changes }}
    group by coin_key

),

products as (

    select
        moments.coin_key,
        moments.lag_hours,
        list_transform(
            range(1, series.n_hours + 1),
            lambda i: coalesce(
                (series.xs[i] - moments.mean_x) * (
                    case
                        when i + moments.lag_hours between 1 and series.n_hours
                            then series.ys[i + moments.lag_hours]
                    end - moments.mean_y
                ) / (moments.sd_x * moments.sd_y) - moments.correlation,
                0.0
            )
        ) as d
    from {{ moments }} as moments
    inner join series
        on moments.coin_key = series.coin_key

),

autocovariance_lists as (

    select
        coin_key,
        lag_hours,
        list_transform(
            range(0, {{ max_hac + 1 }}),
            lambda j: list_dot_product(d[1 + j:], d[1:len(d) - j])
        ) as gammas
    from products

),

autocovariances as (

    select
        coin_key,
        lag_hours,
        {% for j in range(0, max_hac + 1) -%}
            gammas[{{ j + 1 }}] as gamma_{{ j }}{{ ',' if not loop.last }}
        {% endfor %}
    from autocovariance_lists

)
{%- endmacro %}
