-- Sentiment scores from the enrich step, for the model version in var('enrich_versions'):
-- one row per (source, post_id). A post landed by several files keeps the greatest file's row.

{{ config(materialized='incremental', unique_key=['source', 'post_id']) }}

{{ stage_lake_dataset('sentiment', key=['source', 'post_id']) }}
