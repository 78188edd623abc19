-- Coin mentions resolved by the enrich step: one row per (source, post_id, coin_id). Rows
-- with coin_id null (a post that names no coin) are dropped; a post landed by several files
-- keeps the rows of the greatest file. Incremental like stg_posts: a window reads only its
-- days' partitions and replaces those posts' rows.

{{ config(materialized='incremental', unique_key=['source', 'post_id']) }}

{{ stage_lake_dataset(
    'mentions',
    key=['source', 'post_id'],
    keep='file',
    where='coin_id is not null',
) }}
