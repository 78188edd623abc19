"""cryptopulse_daily: every day at 07:00 UTC, land yesterday and merge it into the warehouse.

    plan_window ─┬─ extract_market ─┐
                 └─ extract_posts  ─┴─ enrich ─ prepare_transform ─ transform (dbt, cosmos)
                                       ─ quality_checks ─ export               (+ watcher)

Each task calls a function of ``cryptopulse.orchestrate.airflow_tasks``; the DAG only wires
them. The window is the previous UTC day of the run, computed from the run's own time.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowException
from airflow.task.trigger_rule import TriggerRule
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import DbtTaskGroup

from cryptopulse.orchestrate import airflow_tasks as steps


@dag(
    dag_id=steps.DAG_ID,
    schedule=CronTriggerTimetable(steps.SCHEDULE, timezone="UTC"),
    start_date=steps.start_date(),
    catchup=True,  # after downtime, every missed day is run, in order
    max_active_runs=1,  # one run at a time, whatever the warehouse
    default_args=steps.default_args(),
    tags=["cryptopulse"],
    doc_md=__doc__,
)
def cryptopulse_daily() -> None:
    @task
    def plan_window() -> dict[str, str]:
        run = get_current_context()["dag_run"]
        return steps.daily_window(run.logical_date or run.run_after)

    @task(**steps.extract_task_args())
    def extract_market(window: dict[str, str]) -> dict[str, Any]:
        return steps.extract("market", window)

    @task(**steps.extract_task_args())
    def extract_posts(window: dict[str, str]) -> dict[str, Any]:
        return steps.extract("posts", window)

    # These run even if one extract failed: the other source's data still gets merged.
    @task(trigger_rule=TriggerRule.ALL_DONE)
    def enrich(window: dict[str, str]) -> dict[str, int]:
        return steps.enrich(window)

    @task(trigger_rule=TriggerRule.ALL_DONE, **steps.warehouse_task_args())
    def prepare_transform(window: dict[str, str]) -> dict[str, str]:
        return steps.transform_vars(window)

    @task(**steps.warehouse_task_args())
    def quality_checks(window: dict[str, str]) -> dict[str, int]:
        return steps.quality_checks(window)

    @task(**steps.warehouse_task_args())
    def export(window: dict[str, str]) -> list[dict[str, Any]]:
        return steps.export(window)

    # Fails the run when any task failed, even one whose downstream went on (an extract).
    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def watcher() -> None:
        raise AirflowException("a task of this run failed: see its log")

    window = plan_window()
    landed = [extract_market(window), extract_posts(window)]
    enriched = enrich(window)
    plan = prepare_transform(window)
    transform = DbtTaskGroup(
        group_id="transform", operator_args=steps.dbt_operator_args(), **steps.cosmos_configs()
    )
    checks = quality_checks(window)
    exported = export(window)
    landed >> enriched >> plan >> transform >> checks >> exported
    [*landed, enriched, plan, transform, checks, exported] >> watcher()


cryptopulse_daily()
