-- One row per post, with the hour it was published and the coin it was collected for.
--
-- The coin: the original joined the search term to the coin list by name or symbol, and
-- symbols are shared by many coins. Here the distinct lower-cased terms are matched on
-- coin_id first, then on name, then on symbol; among several coins at the same level the one
-- with the largest latest market cap wins, ties by coin_id. No match leaves coin_key null.
-- Incremental: a run with a window merges only the posts landed in that window (their coin
-- is matched with the market caps known at that time). The sentiment columns are the default
-- model's scores (stg_post_sentiment); the coins a post mentions are in fct_post_coin.

{{ config(
    materialized='incremental',
    unique_key='post_key',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with posts as (

    select *
    from {{ ref('stg_posts') }}
    where {{ in_lake_window() }}

),

coins as (

    select coin_key, coin_id, symbol, name
    from {{ ref('dim_coin') }}

),

latest_market_cap as (

    select coin_id, market_cap
    from (
        select
            coin_id,
            market_cap,
            row_number() over (partition by coin_id order by hour_ts desc) as recency
        from {{ ref('stg_coin_hourly') }}
        where market_cap is not null
    ) as ranked
    where recency = 1

),

terms as (

    select distinct lower(collected_for) as term
    from posts
    where collected_for is not null

),

candidates as (

    select terms.term, coins.coin_key, coins.coin_id, 1 as match_level
    from terms
    inner join coins on lower(coins.coin_id) = terms.term

    union all

    select terms.term, coins.coin_key, coins.coin_id, 2 as match_level
    from terms
    inner join coins on lower(coins.name) = terms.term

    union all

    select terms.term, coins.coin_key, coins.coin_id, 3 as match_level
    from terms
    inner join coins on lower(coins.symbol) = terms.term

),

ranked_candidates as (

    select
        candidates.term,
        candidates.coin_key,
        row_number() over (
            partition by candidates.term
            order by
                candidates.match_level asc,
                coalesce(latest_market_cap.market_cap, -1) desc,
                candidates.coin_id
        ) as preference
    from candidates
    left join latest_market_cap
        on candidates.coin_id = latest_market_cap.coin_id

),

term_coin as (

    select term, coin_key
    from ranked_candidates
    where preference = 1

),

sentiment as (

    select source, post_id, model_name, model_version, compound, pos, neu, neg
    from {{ ref('stg_post_sentiment') }}

)

select
    {{ dbt.hash(dbt.concat(['posts.source', "'|'", 'posts.post_id'])) }} as post_key,
    posts.source,
    posts.post_id,
    {{ hour_date_key(utc_hour('posts.created_at')) }} as date_key,
    term_coin.coin_key,
    posts.created_at,
    posts.author,
    posts.text,
    posts.language,
    posts.likes,
    posts.reposts,
    posts.replies,
    posts.quotes,
    posts.url,
    posts.collected_for,
    sentiment.compound as sentiment_compound,
    sentiment.pos as sentiment_pos,
    sentiment.neu as sentiment_neu,
    sentiment.neg as sentiment_neg,
    sentiment.model_name as sentiment_model,
    sentiment.model_version as sentiment_model_version,
    posts.lake_date,
    {{ merge_window_tag() }} as merge_window
from posts
left join term_coin
    on lower(posts.collected_for) = term_coin.term
left join sentiment
    on posts.source = sentiment.source
        and posts.post_id = sentiment.post_id
