"""The settings reference (docs/settings.md) and .env.example follow the registered settings:
a setting added, renamed or removed in a settings class fails here until both say so."""

from __future__ import annotations

import re
from pathlib import Path

from cryptopulse.core.settings import all_fields
from cryptopulse.core.settings_doc import render

ROOT = Path(__file__).resolve().parents[2]
# Variables that are not settings fields: the config file's own name.
NOT_FIELDS = {"CRYPTOPULSE_CONFIG"}


def test_the_settings_reference_is_rendered_from_the_settings_classes() -> None:
    committed = (ROOT / "docs" / "settings.md").read_text()
    assert committed == render(), (
        "docs/settings.md is stale: run "
        "`.venv/bin/python -m cryptopulse.core.settings_doc > docs/settings.md`"
    )
    for name in all_fields():
        assert f"`CRYPTOPULSE_{name.upper()}`" in committed


def test_env_example_names_no_setting_that_does_not_exist() -> None:
    text = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"\bCRYPTOPULSE_[A-Z0-9_]+", text)) - NOT_FIELDS
    known = {f"CRYPTOPULSE_{name.upper()}" for name in all_fields()}
    assert sorted(named - known) == []  # stale: renamed or removed
    assert sorted(known - named) == []  # missing
