{#
  mart_coin_social_hourly's incremental bounds: in a run with a window, the hours the run
  changes, as 'YYYY-MM-DD HH:MM:SS' literals (so the model's scans skip whole row groups):
  read_from (look-back start: zscore_hours + 1 before the first changed hour), keep_from (the
  first changed hour) and end (exclusive: zscore_hours + 1 after the last changed hour).
  Outside a window all three are none (every hour is computed). The model's header says
  which hours change. Called from the model: `this` and ref() are the mart's, and the mart
  declares the facts read here (-- depends_on).
#}

{% macro coin_social_hourly_bounds(window, zscore_hours) %}
  {%- set bounds = {'read_from': none, 'keep_from': none, 'end': none} %}
  {%- if window is not none and execute %}
    {%- set stamp = '%Y-%m-%d %H:%M:%S' %}
    {%- set hour = modules.datetime.timedelta(hours=1) %}
    {#- The hours the window's merged rows fall in, and the window's own days (a day re-landed
        with no rows left still has its hours recomputed). -#}
    {%- set touched_sql -%}
      select min(first_hour), max(last_hour)
      from (
          select
              cast('{{ window[0] }}' as {{ dbt.type_timestamp() }}) as first_hour,
              {{ dbt.dateadd('hour', -1, "cast('" ~ window[1] ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
                  as last_hour
          union all
          select {{ utc_hour('min(created_at)') }}, {{ utc_hour('max(created_at)') }}
          from {{ ref('fct_posts') }}
          where {{ in_lake_window() }}
          union all
          select min(hour_ts), max(hour_ts)
          from {{ ref('fct_coin_stats_hourly') }}
          where {{ in_lake_window() }}
      ) as merged
    {%- endset -%}
    {%- set touched = run_query(touched_sql).rows[0] %}
    {%- set changed = {'first': touched[0], 'last': touched[1]} %}
    {%- set t0 = "cast('" ~ touched[0].strftime(stamp) ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
    {%- set t1 = "cast('" ~ touched[1].strftime(stamp) ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
    {#- Coins with rows in the window whose spine does not reach it yet: no row in the mart
        from the hour before the touched hours to the hour after. A coin that has one spans
        up to it, so the window's rows only fill hours inside or next to its span. -#}
    {%- set detached_sql -%}
      with window_coins as (
          select coin_key
          from {{ ref('fct_coin_stats_hourly') }}
          where {{ in_lake_window() }}
          union
          select post_coin.coin_key
          from {{ ref('fct_post_coin') }} as post_coin
          inner join {{ ref('fct_posts') }} as posts
              on post_coin.post_key = posts.post_key
          where {{ in_lake_window('posts.lake_date') }}
      ),

      adjacent as (
          select distinct coin_key
          from {{ this }}
          where hour_ts >= {{ dbt.dateadd('hour', -1, t0) }}
              and hour_ts <= {{ dbt.dateadd('hour', 1, t1) }}
      )

      select coin_key from window_coins where coin_key is not null
      except
      select coin_key from adjacent
    {%- endset -%}
    {%- set pending = run_query(detached_sql).columns[0].values() | list %}
    {#- Their spine grows: on from their last hour before the touched hours (a run after a
        gap), or back from their first hour after them (a backfill before their history); a
        coin new to the mart has neither. Looked for zscore_hours + 1 hours around first, then
        in the whole mart: only a run next to a long gap pays for a scan of the history. -#}
    {%- for reach in [zscore_hours + 1, none] %}
      {%- if pending | length > 0 %}
        {%- set quoted = [] %}
        {%- for coin_key in pending %}
          {%- do quoted.append("'" ~ (coin_key | string | replace("'", "''")) ~ "'") %}
        {%- endfor %}
        {%- set span_ends_sql -%}
          select
              coin_key,
              max(case when hour_ts < {{ t0 }} then hour_ts end) as last_before,
              min(case when hour_ts > {{ t1 }} then hour_ts end) as first_after
          from {{ this }}
          where coin_key in ({{ quoted | join(', ') }})
              {%- if reach is not none %}
              and hour_ts >= {{ dbt.dateadd('hour', -reach, t0) }}
              and hour_ts <= {{ dbt.dateadd('hour', reach, t1) }}
              {%- endif %}
          group by coin_key
        {%- endset -%}
        {%- for row in run_query(span_ends_sql).rows %}
          {%- do pending.remove(row[0]) %}
          {%- if row[1] is not none and row[1] + hour < changed['first'] %}
            {%- do changed.update({'first': row[1] + hour}) %}
          {%- endif %}
          {%- if row[2] is not none and row[2] - hour > changed['last'] %}
            {%- do changed.update({'last': row[2] - hour}) %}
          {%- endif %}
        {%- endfor %}
      {%- endif %}
    {%- endfor %}
    {%- set bounds = {
        'read_from': (changed['first'] - hour * (zscore_hours + 1)).strftime(stamp),
        'keep_from': changed['first'].strftime(stamp),
        'end': (changed['last'] + hour * (zscore_hours + 1)).strftime(stamp),
    } %}
  {%- endif %}
  {{ return(bounds) }}
{% endmacro %}
