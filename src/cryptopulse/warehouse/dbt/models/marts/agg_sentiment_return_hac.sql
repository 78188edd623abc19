-- The Newey-West (HAC) variance behind each lagged correlation of mart_sentiment_price_leadlag:
-- per coin and lag k, the long-run variance of the standardized product series
--     d_t = (x_t - mean x) (y_{t+k} - mean y) / (sd x * sd y) - r_k
-- (x: the sentiment change, y: the return k hours later, r_k their correlation; means,
-- standard deviations (divisor n) and r_k over the n hours with a pair, from
-- agg_sentiment_return_sums_daily; d_t = 0 in an hour without a pair). r_k is the mean of
-- the products, so its variance is the long-run variance of d over n:
--     S = sum_t d_t^2 + 2 sum_{j=1..L} (1 - j / (L + 1)) sum_t d_t d_{t-j}
--     se(r_k) = sqrt(S) / n
-- with Bartlett weights and the bandwidth L = floor(4 (n / 100)^(2/9)) (Newey and West's
-- 1994 rule, statsmodels' default). Unlike the i.i.d. 1 / sqrt(n - 3), it holds when the
-- products are heteroskedastic (sentiment dispersion and return volatility clustering
-- together) and autocorrelated (both series persistent). Lagged products need hours, not
-- rows: the hourly mart has one row per coin and hour without gaps, so the product j rows
-- earlier in a coin's hours is the product j hours earlier.
--
-- A table rebuilt every run from the whole history (the sums of products need every pair);
-- the sums are exact decimals, so a rerun gives the same bits.

{%- set max_lag = 24 %}
{%- set max_hac = leadlag_max_hac_lags() %}

with changes as (

    select
        coin_key,
        hour_ts,
        hourly_return,
        {{ sentiment_change() }} as sentiment_change
    from {{ ref('mart_coin_social_hourly') }}

),

lags as (

    select cast(generated_number as {{ dbt.type_int() }}) - {{ max_lag + 1 }} as lag_hours
    from ({{ dbt.generate_series(2 * max_lag + 1) }}) as series

),

sums as (

    select
        coin_key,
        lag_hours,
        sum(n_pairs) as n_pairs,
        cast(sum(sum_x) as {{ type_double() }}) as sx,
        cast(sum(sum_y) as {{ type_double() }}) as sy,
        cast(sum(sum_xx) as {{ type_double() }}) as sxx,
        cast(sum(sum_yy) as {{ type_double() }}) as syy,
        cast(sum(sum_xy) as {{ type_double() }}) as sxy
    from {{ ref('agg_sentiment_return_sums_daily') }}
    group by coin_key, lag_hours

),

moments as (

    {#- Only where the mart has a correlation: 48 pairs or more, both series varying. -#}
    select
        coin_key,
        lag_hours,
        n_pairs,
        sx / n_pairs as mean_x,
        sy / n_pairs as mean_y,
        sqrt(sxx / n_pairs - (sx / n_pairs) * (sx / n_pairs)) as sd_x,
        sqrt(syy / n_pairs - (sy / n_pairs) * (sy / n_pairs)) as sd_y,
        (n_pairs * sxy - sx * sy)
        / sqrt((n_pairs * sxx - sx * sx) * (n_pairs * syy - sy * sy)) as correlation
    from sums
    where
        n_pairs >= 48
        and (n_pairs * sxx - sx * sx) > 0
        and (n_pairs * syy - sy * sy) > 0

),

{#- products, their lags and the autocovariances gamma_0..gamma_max_hac per coin and lag:
    adapter-dispatched (macros/leadlag.sql), each engine's fastest spelling of the same sums. #}
{{ hac_autocovariances('changes', 'lags', 'moments', max_hac) }},

-- noqa: disable=LT02
-- (sqlfluff cannot place the indent of select items a jinja loop writes)
bandwidths as (

    select
        moments.coin_key,
        moments.lag_hours,
        moments.n_pairs,
        {{ newey_west_bandwidth('moments.n_pairs') }} as hac_lags,
        {#- the gammas by name: a star would repeat coin_key and lag_hours, which
            PostgreSQL then calls ambiguous -#}
        autocovariances.gamma_0,
        {% for j in range(1, max_hac + 1) -%}
            autocovariances.gamma_{{ j }}{{ ',' if not loop.last }}
        {% endfor %}
    from moments
    inner join autocovariances
        on moments.coin_key = autocovariances.coin_key
            and moments.lag_hours = autocovariances.lag_hours

),

-- noqa: enable=LT02
long_run as (

    select
        coin_key,
        lag_hours,
        n_pairs,
        hac_lags,
        gamma_0
        {%- for j in range(1, max_hac + 1) %}
        + case
            when {{ j }} <= hac_lags
                then 2.0 * (1.0 - {{ j }} / (hac_lags + 1.0)) * coalesce(gamma_{{ j }}, 0.0)
            else 0.0
        end
        {%- endfor %} as long_run_sum
    from bandwidths

)

select
    coin_key,
    lag_hours,
    n_pairs,
    hac_lags,
    {#- Bartlett weights keep the sum >= 0; greatest() guards the last bit. -#}
    sqrt(greatest(long_run_sum, 0.0)) / n_pairs as hac_se
from long_run
