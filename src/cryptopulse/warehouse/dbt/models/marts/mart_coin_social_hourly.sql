-- Social metrics per coin and UTC hour, beside the coin's price: social volume, unique
-- authors, social dominance, sentiment (mean, positive/negative shares, engagement-weighted),
-- weighted sentiment (volume x mean sentiment) and its z-score against the previous
-- var('sentiment_zscore_hours') hours, and the hourly log return. One row per coin and hour
-- from the coin's first to its last observed hour (market or posts), hours without posts
-- included (volume 0), so rolling windows count hours, not rows. Rebuilt in full each run;
-- sums are exact (exact_sum), so a rerun gives the same numbers to the last bit.

{%- set zscore_hours = var('sentiment_zscore_hours', 168) | int %}
{%- set min_history = 24 %}

with mentions as (

    select
        post_coin.coin_key,
        posts.date_key,
        posts.author,
        posts.sentiment_compound as compound,
        1.0 + ln(1.0 + coalesce(posts.likes, 0) + coalesce(posts.reposts, 0)
            + coalesce(posts.replies, 0) + coalesce(posts.quotes, 0)) as engagement_weight
    from {{ ref('fct_post_coin') }} as post_coin
    inner join {{ ref('fct_posts') }} as posts
        on post_coin.post_key = posts.post_key

),

social as (

    select
        coin_key,
        date_key,
        count(*) as social_volume,
        count(distinct author) as unique_authors,
        count(compound) as scored_posts,
        {{ exact_sum('compound') }} / nullif(count(compound), 0) as mean_sentiment,
        avg(case when compound >= 0.05 then 1.0 when compound is not null then 0.0 end)
            as positive_share,
        avg(case when compound <= -0.05 then 1.0 when compound is not null then 0.0 end)
            as negative_share,
        {{ exact_sum('compound * engagement_weight') }}
            / nullif({{ exact_sum('case when compound is not null then engagement_weight end') }}, 0)
            as engagement_weighted_sentiment
    from mentions
    group by coin_key, date_key

),

hour_totals as (

    select date_key, sum(social_volume) as all_coins_volume
    from social
    group by date_key

),

market as (

    select coin_key, date_key, price
    from {{ ref('fct_coin_stats_hourly') }}

),

coin_span as (

    select coin_key, min(date_key) as first_key, max(date_key) as last_key
    from (
        select coin_key, date_key from market
        union all
        select coin_key, date_key from social
    ) as observed
    group by coin_key

),

grid as (

    select coin_span.coin_key, dim_date.date_key, dim_date.hour_ts
    from coin_span
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date_key between coin_span.first_key and coin_span.last_key

),

joined as (

    select
        grid.coin_key,
        grid.date_key,
        grid.hour_ts,
        coalesce(social.social_volume, 0) as social_volume,
        coalesce(social.unique_authors, 0) as unique_authors,
        cast(coalesce(social.social_volume, 0) as {{ type_double() }})
            / nullif(hour_totals.all_coins_volume, 0) as social_dominance,
        social.mean_sentiment,
        social.positive_share,
        social.negative_share,
        social.engagement_weighted_sentiment,
        cast(coalesce(social.social_volume, 0) as {{ type_double() }})
            * coalesce(social.mean_sentiment, 0) as weighted_sentiment,
        market.price,
        lag(market.price) over (partition by grid.coin_key order by grid.hour_ts)
            as previous_price
    from grid
    left join social
        on grid.coin_key = social.coin_key and grid.date_key = social.date_key
    left join hour_totals
        on grid.date_key = hour_totals.date_key
    left join market
        on grid.coin_key = market.coin_key and grid.date_key = market.date_key

),

windowed as (

    select
        joined.*,
        avg(weighted_sentiment) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_mean,
        stddev_samp(weighted_sentiment) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_sd,
        count(*) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_hours
    from joined

)

select
    windowed.coin_key,
    coins.coin_id,
    windowed.date_key,
    windowed.hour_ts,
    windowed.social_volume,
    windowed.unique_authors,
    windowed.social_dominance,
    windowed.mean_sentiment,
    windowed.positive_share,
    windowed.negative_share,
    windowed.engagement_weighted_sentiment,
    windowed.weighted_sentiment,
    case
        when windowed.history_hours >= {{ min_history }} and windowed.history_sd > 0
            then (windowed.weighted_sentiment - windowed.history_mean) / windowed.history_sd
    end as weighted_sentiment_zscore,
    windowed.price,
    case
        when windowed.price > 0 and windowed.previous_price > 0
            then ln(windowed.price / windowed.previous_price)
    end as hourly_return
from windowed
inner join {{ ref('dim_coin') }} as coins
    on windowed.coin_key = coins.coin_key
