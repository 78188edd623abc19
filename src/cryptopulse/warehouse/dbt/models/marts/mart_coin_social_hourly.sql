-- Social metrics per coin and UTC hour, beside the coin's price: social volume, unique
-- authors, social dominance, sentiment (mean, positive/negative shares, engagement-weighted),
-- weighted sentiment (volume x mean sentiment) and its z-score against the previous
-- var('sentiment_zscore_hours') hours, and the hourly log return. One row per coin and hour
-- from the coin's first to its last observed hour (market or posts), hours without posts
-- included (volume 0), so rolling windows count hours, not rows. The per-hour social metrics
-- come from int_coin_social_hourly. Sums are exact (exact_sum), so a rerun gives the same
-- numbers to the last bit.
--
-- Incremental: a run with a window recomputes only the hours it can change and replaces them
-- (delete+insert on coin and hour). An hour changes when the window's rows fall in it, when
-- it is new in a coin's spine, or when one of the zscore_hours before it changed (its z-score
-- looks back over them; its return, over the hour before). A coin's spine grows only where
-- the window's rows lie outside its first-to-last span: back from its first hour to them (a
-- backfill before its history) or on from its last hour (a run after a gap). So the run
-- recomputes from the first changed hour to zscore_hours after the last, reading
-- zscore_hours + 1 hours before that for the look-back and the previous price. A daily run
-- changes only its own day (every coin's spine already reaches the hour before it): it
-- recomputes that day and the zscore_hours after, whatever the history's length. A backfill
-- before the history, or a run after a gap, also recomputes the new stretch of spine and the
-- zscore_hours after it. Each hour then has exactly the rows of history a full build gives
-- it, so both agree row for row. The bounds of those hours: coin_social_hourly_bounds
-- (macros/coin_social_hourly.sql).

{#- Merged on the time grain alone: a recomputed period replaces every coin's rows in it,
    so a coin whose data is gone from it (a day re-landed with less) leaves none behind. -#}
{{ config(
    materialized='incremental',
    unique_key=['date_key'],
    incremental_strategy='delete+insert',
) }}

-- The facts the bounds read (macros/coin_social_hourly.sql) beside those below:
-- depends_on: {{ ref('fct_posts') }}, {{ ref('fct_post_coin') }}

{%- set zscore_hours = var('sentiment_zscore_hours', 168) | int %}
{%- set min_history = 24 %}
{%- set window = lake_window() %}
{%- set bounds = coin_social_hourly_bounds(window, zscore_hours) %}

with social as (

    select
        coin_key,
        date_key,
        social_volume,
        unique_authors,
        mean_sentiment,
        positive_share,
        negative_share,
        engagement_weighted_sentiment
    from {{ ref('int_coin_social_hourly') }}
    where {{ in_date_key_range('date_key', bounds['read_from'], bounds['end']) }}

),

hour_totals as (

    select date_key, sum(social_volume) as all_coins_volume
    from social
    group by date_key

),

market as (

    select coin_key, date_key, price
    from {{ ref('fct_coin_stats_hourly') }}
    where {{ in_time_range('hour_ts', bounds['read_from'], bounds['end']) }}

),

coin_span as (

    {#- Each coin's first and last observed hour. In a windowed run the mart's rows stand for
        the history outside the hours read: its rows before keep_from (unchanged, and
        reaching read_from when the coin's span does) and its row at `end` (there when the
        span goes on past the hours recomputed). -#}
    select coin_key, min(date_key) as first_key, max(date_key) as last_key
    from (
        select coin_key, date_key from market
        union all
        select coin_key, date_key from social
        {%- if window is not none %}
        union all
        select coin_key, date_key
        from {{ this }}
        where ({{ in_time_range('hour_ts', bounds['read_from'], bounds['keep_from']) }})
            or hour_ts = cast('{{ bounds['end'] }}' as {{ dbt.type_timestamp() }})
        {%- endif %}
    ) as observed
    group by coin_key

),

grid as (

    select coin_span.coin_key, dim_date.date_key, dim_date.hour_ts
    from coin_span
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date_key between coin_span.first_key and coin_span.last_key
    where {{ in_time_range('dim_date.hour_ts', bounds['read_from'], bounds['end']) }}

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

    {#- The look-back's mean and standard deviation from exact (decimal) sums: a window
        average over floats depends on how the engine groups the frame's rows, which
        differs between a full and an incremental build, down to the last bit. -#}
    select
        joined.*,
        sum(cast(weighted_sentiment as decimal(38, 12))) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_sum,
        sum(cast(weighted_sentiment * weighted_sentiment as decimal(38, 12))) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_sum_squares,
        count(*) over (
            partition by coin_key order by hour_ts
            rows between {{ zscore_hours }} preceding and 1 preceding
        ) as history_hours
    from joined

),

history as (

    select
        windowed.*,
        cast(history_sum as {{ type_double() }}) / nullif(history_hours, 0) as history_mean,
        sqrt(greatest(
            (
                cast(history_sum_squares as {{ type_double() }})
                - cast(history_sum as {{ type_double() }})
                * cast(history_sum as {{ type_double() }}) / nullif(history_hours, 0)
            )
            / nullif(history_hours - 1, 0),
            0
        )) as history_sd
    from windowed

)

select
    history.coin_key,
    coins.coin_id,
    history.date_key,
    history.hour_ts,
    history.social_volume,
    history.unique_authors,
    history.social_dominance,
    history.mean_sentiment,
    history.positive_share,
    history.negative_share,
    history.engagement_weighted_sentiment,
    history.weighted_sentiment,
    case
        when history.history_hours >= {{ min_history }} and history.history_sd > 0
            then (history.weighted_sentiment - history.history_mean) / history.history_sd
    end as weighted_sentiment_zscore,
    history.price,
    case
        when history.price > 0 and history.previous_price > 0
            then ln(history.price / history.previous_price)
    end as hourly_return
from history
inner join {{ ref('dim_coin') }} as coins
    on history.coin_key = coins.coin_key
where {{ in_time_range('history.hour_ts', bounds['keep_from'], bounds['end']) }}
