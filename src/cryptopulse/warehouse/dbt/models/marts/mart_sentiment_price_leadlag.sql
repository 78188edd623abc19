-- Does sentiment lead (or follow) the price? Per coin and lag k in -24..+24 hours: the
-- Pearson correlation between the sentiment change in hour h and the log return in hour h+k
-- (k > 0: sentiment leads returns by k hours), over every hour where both exist.
--
-- Sentiment change: the hour's mean sentiment minus its mean over the previous 24 hours (a
-- detrended level: a first difference would split one lead over two lags of opposite sign).
-- Standard error: Newey-West (HAC) from the standardized product series
-- (agg_sentiment_return_hac), which holds when sentiment dispersion and return volatility
-- cluster together and when both series are persistent; the i.i.d. Fisher statistic
-- (z * sqrt(n - 3)) is kept beside it as iid_z_score, for comparison only. z_score = r / se.
-- Confidence interval: 95 %, on the Fisher z scale with the HAC standard error carried over
-- by the delta method (se_z = se / (1 - r^2)), so it stays inside (-1, 1). Best lag: the lag
-- with the largest |correlation| among those significant after a Bonferroni correction for
-- the 49 lags (family-wise 1 %: |z_score| > 3.71); null when no lag is. Correlations need at
-- least 48 pairs. The pairs' sums come per day from agg_sentiment_return_sums_daily (exact
-- decimals), so this small table is rebuilt from them each run and agrees to the last bit
-- with a full build. Formulas: docs/leadlag.md.

{%- set min_pairs = 48 %}
{%- set z_ci = 1.959964 %}
{%- set z_bonferroni = 3.71 %}

with sums as (

    select
        coin_key,
        coin_id,
        lag_hours,
        sum(n_pairs) as n_observations,
        cast(sum(sum_x) as {{ type_double() }}) as sx,
        cast(sum(sum_y) as {{ type_double() }}) as sy,
        cast(sum(sum_xx) as {{ type_double() }}) as sxx,
        cast(sum(sum_yy) as {{ type_double() }}) as syy,
        cast(sum(sum_xy) as {{ type_double() }}) as sxy
    from {{ ref('agg_sentiment_return_sums_daily') }}
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
        hac.hac_se,
        hac.hac_lags,
        -- Fisher z of the correlation (kept inside (-1, 1) so the log stays finite)
        0.5 * ln(
            (1.0 + least(greatest(correlations.correlation, -0.999999), 0.999999))
            / (1.0 - least(greatest(correlations.correlation, -0.999999), 0.999999))
        ) as fisher_z,
        case when correlations.correlation is not null
                then 1.0 / sqrt(cast(correlations.n_observations - 3 as {{ type_double() }}))
        end as iid_fisher_se,
        -- the HAC standard error on the Fisher z scale (delta method: dz/dr = 1 / (1 - r^2))
        case when correlations.correlation is not null and hac.hac_se > 0
                then hac.hac_se
                    / (1.0 - least(correlations.correlation * correlations.correlation, 0.999998))
        end as fisher_se
    from correlations
    left join {{ ref('agg_sentiment_return_hac') }} as hac
        on correlations.coin_key = hac.coin_key
            and correlations.lag_hours = hac.lag_hours

),

bounds as (

    select
        fisher.*,
        fisher_z - {{ z_ci }} * fisher_se as z_low,
        fisher_z + {{ z_ci }} * fisher_se as z_high,
        case when hac_se > 0 then correlation / hac_se end as hac_z,
        abs(correlation) / hac_se > {{ z_bonferroni }} as is_significant
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
            then (exp(2 * bounds.z_low) - 1) / (exp(2 * bounds.z_low) + 1)
    end as ci_low,
    case when bounds.correlation is not null
            then (exp(2 * bounds.z_high) - 1) / (exp(2 * bounds.z_high) + 1)
    end as ci_high,
    bounds.hac_se,
    bounds.hac_lags,
    bounds.hac_z as z_score,
    case when bounds.correlation is not null
            then bounds.fisher_z / bounds.iid_fisher_se
    end as iid_z_score,
    coalesce(bounds.is_significant, false) as is_significant,
    best.best_lag_hours,
    best.best_correlation,
    coalesce(best.best_lag_hours = bounds.lag_hours, false) as is_best_lag
from bounds
left join best
    on bounds.coin_key = best.coin_key
