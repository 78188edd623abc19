"""The warehouse: a dbt project (staging → dims → facts → aggregates) and its runner."""
