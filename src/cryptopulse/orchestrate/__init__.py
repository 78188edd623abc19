"""Orchestration: the pipeline's steps in order, for the CLI (and Airflow's DAGs)."""
