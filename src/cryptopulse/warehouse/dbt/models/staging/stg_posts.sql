-- Social posts: one row per (source, post_id); a post landed by several imports keeps the
-- row from the greatest file name. The raw JSON stays in the lake. Incremental: a run with a
-- window reads only those days' lake partitions and merges them on (source, post_id).

{{ config(materialized='incremental', unique_key=['source', 'post_id']) }}

{{ stage_lake_dataset(
    'posts',
    key=['source', 'post_id'],
    order_by=['created_at desc'],
    exclude=['raw'],
) }}
