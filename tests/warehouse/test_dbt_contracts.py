"""The dbt project's lake sources agree with the core dataset contracts.

Each dataset's schema is written once, in cryptopulse.core.datasets. dbt sees it through
models/staging/_sources.yml (one source table per lake dataset, its columns in contract
order with the Arrow type as data_type and the contract's max_chars), and the staging
macros select and cast the raw files from those columns (macros/lake.sql,
macros/staging.sql). This test fails when the yml and the contracts disagree, and says
what the yml should hold. No dbt run: it reads files only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from cryptopulse.core.datasets import ENRICH_DATASETS, LAKE_DATASETS, MATCH_KINDS, POSTS, Dataset

# The repository root, wherever this file sits under tests/.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
PROJECT_DIR = ROOT / "src" / "cryptopulse" / "warehouse" / "dbt"
SOURCES_YML = PROJECT_DIR / "models" / "staging" / "_sources.yml"
STAGING_DIR = PROJECT_DIR / "models" / "staging"

Column = tuple[str, str, int | None]  # name, Arrow type, max_chars


def contract_columns(dataset: Dataset) -> list[Column]:
    """What the source table's columns must be, from the contract."""
    return [
        (field.name, str(field.type), dataset.max_chars.get(field.name)) for field in dataset.schema
    ]


def declared_columns(table: Mapping[str, Any]) -> list[Column]:
    """The columns a source table declares in _sources.yml."""
    columns = []
    for column in table.get("columns") or []:
        meta = (column.get("config") or {}).get("meta") or column.get("meta") or {}
        columns.append((column["name"], str(column.get("data_type")), meta.get("max_chars")))
    return columns


def expected_yaml(dataset: Dataset) -> str:
    """The columns block a source table should hold (descriptions aside), to paste."""
    lines = [f"      - name: {dataset.name}", "        columns:"]
    for name, arrow_type, max_chars in contract_columns(dataset):
        lines.append(f"          - name: {name}")
        lines.append(f'            data_type: "{arrow_type}"')
        if max_chars is not None:
            lines.append(f"            config: {{meta: {{max_chars: {max_chars}}}}}")
    return "\n".join(lines)


def declared_zone(table: Mapping[str, Any]) -> str:
    """Where the lake keeps a source table's files: its meta zone, raw unless enrich."""
    meta = (table.get("config") or {}).get("meta") or table.get("meta") or {}
    return str(meta.get("zone", "raw"))


def sources_mismatches(
    sources: Mapping[str, Any],
    datasets: Mapping[str, Dataset],
    enrich: Collection[str] = tuple(ENRICH_DATASETS),
) -> list[str]:
    """Every disagreement between the `lake` source of a parsed _sources.yml and the
    contracts, each with what to write instead (empty when they agree)."""
    lake = [source for source in sources.get("sources", []) if source.get("name") == "lake"]
    if len(lake) != 1:
        return ["_sources.yml must declare exactly one source named 'lake'"]
    tables = {table["name"]: table for table in lake[0].get("tables") or []}
    problems = []
    for name in sorted(tables.keys() - datasets.keys()):
        problems.append(f"source table lake.{name} has no dataset contract: remove it")
    for name, dataset in datasets.items():
        if name not in tables:
            problems.append(f"dataset {name} has no source table; add:\n{expected_yaml(dataset)}")
        elif declared_zone(tables[name]) != ("enrich" if name in enrich else "raw"):
            zone = "config: {meta: {zone: enrich}}" if name in enrich else "no zone (raw)"
            problems.append(f"lake.{name} is read from the wrong zone: give it {zone}")
        elif declared_columns(tables[name]) != contract_columns(dataset):
            problems.append(
                f"lake.{name} columns {declared_columns(tables[name])} disagree with the "
                f"contract {contract_columns(dataset)}; its columns should be:\n"
                f"{expected_yaml(dataset)}"
            )
    return problems


def read_sources() -> dict[str, Any]:
    return yaml.safe_load(SOURCES_YML.read_text())


def test_dbt_sources_match_the_dataset_contracts() -> None:
    problems = sources_mismatches(read_sources(), LAKE_DATASETS)
    assert not problems, "\n\n".join(problems)


def test_the_check_fails_when_a_contract_changes() -> None:
    # A column added to a contract, a type changed, a size changed: each one is reported.
    added = dataclasses.replace(POSTS, schema=POSTS.schema.append(pa.field("views", pa.int64())))
    likes = POSTS.schema.get_field_index("likes")
    retyped = dataclasses.replace(
        POSTS, schema=POSTS.schema.set(likes, pa.field("likes", pa.float64()))
    )
    resized = dataclasses.replace(POSTS, max_chars={**POSTS.max_chars, "text": 20_000})
    for changed in (added, retyped, resized):
        problems = sources_mismatches(read_sources(), {**LAKE_DATASETS, "posts": changed})
        assert len(problems) == 1 and problems[0].startswith("lake.posts columns"), problems
    assert sources_mismatches(read_sources(), LAKE_DATASETS, enrich=["mentions"]) == [
        "lake.sentiment is read from the wrong zone: give it no zone (raw)"
    ]
    dropped = {name: d for name, d in LAKE_DATASETS.items() if name != "sentiment"}
    assert sources_mismatches(read_sources(), dropped) == [
        "source table lake.sentiment has no dataset contract: remove it"
    ]


def test_staging_models_write_no_casts_of_their_own() -> None:
    # Staging types every lake column through the contract (macros/staging.sql): a cast
    # written in a stg_* model would be a second copy of the schema.
    models = sorted(STAGING_DIR.glob("stg_*.sql"))
    assert len(models) == len(LAKE_DATASETS)
    for model in models:
        text = model.read_text()
        assert "stage_lake_dataset(" in text, model.name
        assert "cast(" not in text.lower(), model.name


def _accepted_values(model_yml: Path, column: str) -> list[str]:
    (model,) = yaml.safe_load(model_yml.read_text())["models"]
    (values,) = [
        condition["accepted_values"]["values"]
        for test in model["data_tests"]
        if "row_checks" in test
        for condition in test["row_checks"]["arguments"]["conditions"]
        if condition.get("accepted_values", {}).get("column") == column
    ]
    return list(values)


def test_match_kinds_are_the_resolvers_in_staging_and_the_fact() -> None:
    # An analyst filters fct_post_coin on match_kind: every kind the resolver writes must
    # pass the models' checks, and the checks must know no kind it never writes.
    for model_yml in (
        STAGING_DIR / "stg_post_mentions.yml",
        PROJECT_DIR / "models" / "marts" / "fct_post_coin.yml",
    ):
        assert _accepted_values(model_yml, "match_kind") == list(MATCH_KINDS), model_yml.name
