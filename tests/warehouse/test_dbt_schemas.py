"""dbt's config schemas kept on disk: the same schemas, still validating, and a stale or
damaged file only rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt.contracts.project import ProjectFlags
from dbt_common.dataclass_schema import ValidationError

from cryptopulse.warehouse import dbt_schemas

NAME = f"{ProjectFlags.__module__}.{ProjectFlags.__qualname__}"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbt_schemas, "_schemas", {})
    monkeypatch.setattr(dbt_schemas, "_added", False)


def test_a_schema_built_once_is_read_back_and_still_validates(tmp_path: Path) -> None:
    with dbt_schemas.cached_schemas(tmp_path):
        built = ProjectFlags.json_schema()
    saved = json.loads((tmp_path / dbt_schemas.CACHE_FILE).read_text())
    assert saved["versions"] == dbt_schemas.versions_key()
    assert saved["schemas"][NAME] == built

    dbt_schemas._schemas.clear()
    with dbt_schemas.cached_schemas(tmp_path):
        assert NAME in dbt_schemas._schemas  # from the file, before dbt asks
        assert ProjectFlags.json_schema() == built
        with pytest.raises(ValidationError):
            ProjectFlags.validate({"send_anonymous_usage_stats": "not a boolean"})
    assert not dbt_schemas._added  # nothing new: the file is not rewritten


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"versions": "dbt-core==0.0.1", "schemas": {}}', '{"schemas": 1}'],
)
def test_a_damaged_or_stale_file_is_rebuilt(tmp_path: Path, content: str) -> None:
    (tmp_path / dbt_schemas.CACHE_FILE).write_text(content)
    with dbt_schemas.cached_schemas(tmp_path):
        ProjectFlags.json_schema()
    saved = json.loads((tmp_path / dbt_schemas.CACHE_FILE).read_text())
    assert saved["versions"] == dbt_schemas.versions_key() and NAME in saved["schemas"]
