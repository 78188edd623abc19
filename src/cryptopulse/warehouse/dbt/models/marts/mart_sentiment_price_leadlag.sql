-- Does sentiment lead (or follow) the price? Per coin and lag k in -24..+24 hours: the
-- Pearson correlation between the sentiment change in hour h and the log return in hour h+k
-- (k > 0: sentiment leads returns by k hours), over every hour where both exist.
--
-- Sentiment change: the hour's mean sentiment minus its mean over the previous 24 hours (a
-- detrended level: a first difference would split one lead over two lags of opposite sign).
-- Confidence interval: Fisher z, 95 %. Best lag: the lag with the largest |correlation| among
-- those significant after a Bonferroni correction for the 49 lags (family-wise 1 %: |z| > 3.71);
-- null when no lag is. Correlations need at least 48 pairs. Rebuilt in full each run, from
-- exact sums (exact_sum) so reruns agree to the last bit.

{%- set max_lag = 24 %}
{%- set min_pairs = 48 %}
{%- set z_ci = 1.959964 %}
{%- set z_bonferroni = 3.71 %}

with hourly as (

    select
        coin_key,
        coin_id,
        mean_sentiment,
        hourly_return,
        row_number() over (partition by coin_key order by hour_ts) as hour_index
    from {{ ref('mart_coin_social_hourly') }}

),

changes as (

    select
        coin_key,
        coin_id,
        hour_index,
        hourly_return,
        mean_sentiment - avg(mean_sentiment) over (
            partition by coin_key order by hour_index
            rows between 24 preceding and 1 preceding
        ) as sentiment_change
    from hourly

),

lags as (

    select cast(generated_number as {{ dbt.type_int() }}) - {{ max_lag + 1 }} as lag_hours
    from ({{ dbt.generate_series(2 * max_lag + 1) }}) as series

),

pairs as (

    select
        x.coin_key,
        x.coin_id,
        lags.lag_hours,
        x.sentiment_change as x,
        y.hourly_return as y
    from changes as x
    cross join lags
    inner join changes as y
        on y.coin_key = x.coin_key
        and y.hour_index = x.hour_index + lags.lag_hours
    where x.sentiment_change is not null
        and y.hourly_return is not null

),

sums as (

    select
        coin_key,
        coin_id,
        lag_hours,
        count(*) as n_observations,
        {{ exact_sum('x') }} as sx,
        {{ exact_sum('y') }} as sy,
        {{ exact_sum('x * x') }} as sxx,
        {{ exact_sum('y * y') }} as syy,
        {{ exact_sum('x * y') }} as sxy
    from pairs
    group by coin_key, coin_id, lag_hours

),

correlations as (

    select
        coin_key,
        coin_id,
        lag_hours,
        n_observations,
        case
            when n_observations >= {{ min_pairs }}
                and (n_observations * sxx - sx * sx) > 0
                and (n_observations * syy - sy * sy) > 0
            then (n_observations * sxy - sx * sy)
                / sqrt((n_observations * sxx - sx * sx) * (n_observations * syy - sy * sy))
        end as correlation
    from sums

),

fisher as (

    select
        correlations.*,
        -- Fisher z of the correlation (kept inside (-1, 1) so the log stays finite)
        0.5 * ln(
            (1.0 + least(greatest(correlation, -0.999999), 0.999999))
            / (1.0 - least(greatest(correlation, -0.999999), 0.999999))
        ) as fisher_z,
        case when correlation is not null
            then 1.0 / sqrt(cast(n_observations - 3 as {{ type_double() }})) end as fisher_se
    from correlations

),

bounds as (

    select
        fisher.*,
        fisher_z - {{ z_ci }} * fisher_se as z_low,
        fisher_z + {{ z_ci }} * fisher_se as z_high,
        abs(fisher_z) / fisher_se > {{ z_bonferroni }} as is_significant
    from fisher

),

best as (

    select coin_key, lag_hours as best_lag_hours, correlation as best_correlation
    from (
        select
            coin_key,
            lag_hours,
            correlation,
            row_number() over (
                partition by coin_key
                order by abs(correlation) desc, abs(lag_hours), lag_hours
            ) as strength_rank
        from bounds
        where is_significant
    ) as ranked
    where strength_rank = 1

)

select
    bounds.coin_key,
    bounds.coin_id,
    bounds.lag_hours,
    bounds.n_observations,
    bounds.correlation,
    case when bounds.correlation is not null
        then (exp(2 * bounds.z_low) - 1) / (exp(2 * bounds.z_low) + 1) end as ci_low,
    case when bounds.correlation is not null
        then (exp(2 * bounds.z_high) - 1) / (exp(2 * bounds.z_high) + 1) end as ci_high,
    case when bounds.correlation is not null
        then bounds.fisher_z / bounds.fisher_se end as z_score,
    coalesce(bounds.is_significant, false) as is_significant,
    best.best_lag_hours,
    best.best_correlation,
    coalesce(best.best_lag_hours = bounds.lag_hours, false) as is_best_lag
from bounds
left join best
    on bounds.coin_key = best.coin_key
