-- Social metrics per coin and UTC hour, for the hours with posts mentioning the coin: volume,
-- unique authors, sentiment (mean, positive/negative shares, engagement-weighted). Posts count
-- for every coin they mention (fct_post_coin). Sums are exact (exact_sum), so a rerun gives
-- the same numbers to the last bit.
--
-- A view: mart_coin_social_hourly filters it on date_key, and the filter reaches the fct_posts
-- scan, so a daily run reads only the hours it recomputes.

with mentions as (

    select
        post_coin.coin_key,
        posts.date_key,
        posts.author,
        posts.sentiment_compound as compound,
        1.0 + ln(
            1.0 + coalesce(posts.likes, 0) + coalesce(posts.reposts, 0)
            + coalesce(posts.replies, 0) + coalesce(posts.quotes, 0)
        ) as engagement_weight
    from {{ ref('fct_post_coin') }} as post_coin
    inner join {{ ref('fct_posts') }} as posts
        on post_coin.post_key = posts.post_key

)

select
    coin_key,
    date_key,
    count(*) as social_volume,
    count(distinct author) as unique_authors,
    count(compound) as scored_posts,
    {{ exact_sum('compound') }} / nullif(count(compound), 0) as mean_sentiment,
    {#- Shares of doubles: a 1.0 literal is a decimal, whose average Spark rounds to 5 places. -#}
    avg(
        cast(
            case when compound >= 0.05 then 1 when compound is not null then 0 end
            as {{ type_double() }}
        )
    ) as positive_share,
    avg(
        cast(
            case when compound <= -0.05 then 1 when compound is not null then 0 end
            as {{ type_double() }}
        )
    ) as negative_share,
    {{ exact_sum('compound * engagement_weight') }} / nullif(
        {{ exact_sum('case when compound is not null then engagement_weight end') }}, 0
    ) as engagement_weighted_sentiment
from mentions
group by coin_key, date_key
