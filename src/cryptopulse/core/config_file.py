"""The TOML config file: its keys are setting names, any other key and any secret refused.

Keys are setting names in lower case (``lake_url``) or as in the environment
(``CRYPTOPULSE_LAKE_URL``, any case), for the pipeline's settings and every registered
source's. A key that names no setting is refused rather than ignored (a typo would silently
leave the default in place), and so is a secret: a local, git-ignored .env may hold secrets;
a config file, which may be shared or committed, may not.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from cryptopulse.core.settings_base import PREFIX, SettingsError, is_secret


class ConfigFile(PydanticBaseSettingsSource):
    """The config file's values for one settings class (all keys checked against all)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        where = f"config file {self.path}"
        try:
            with self.path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{where}: not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise SettingsError(f"{where}: not valid TOML: it is not UTF-8 text") from None
        except OSError as exc:
            raise SettingsError(f"{where}: cannot read it: {exc.strerror or exc}") from None
        from cryptopulse.core.settings import all_fields

        values = config_values(data, where, all_fields())
        return {k: v for k, v in values.items() if k in self.settings_cls.model_fields}


def config_values(data: dict[str, Any], where: str, fields: dict[str, FieldInfo]) -> dict[str, Any]:
    """A config file's values by setting name; unknown keys and secrets are refused."""
    values: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in data.items():
        name = key.lower().removeprefix(PREFIX.lower())
        if name not in fields:
            unknown.append(key)
            continue
        if is_secret(fields[name]) and str(value or "").strip():
            raise SettingsError(
                f"{PREFIX}{name.upper()}: set it in the environment (or a local .env), "
                f"not in a config file such as {where.removeprefix('config file ')} "
                "(secrets never go in shared files)"
            )
        if name in spelled:
            raise SettingsError(
                f"{where}: {spelled[name]!r} and {key!r} are the same setting; keep one"
            )
        spelled[name] = key
        values[name] = value
    if unknown:
        accepted = [n for n, f in fields.items() if not is_secret(f)]
        raise SettingsError(_unknown_keys(unknown, accepted, where))
    return values


def _unknown_keys(unknown: list[str], accepted: list[str], where: str) -> str:
    described: list[str] = []
    guessed = True
    for key in unknown:
        guess = difflib.get_close_matches(key.lower().removeprefix(PREFIX.lower()), accepted, 1)
        described.append(f"{key!r}" + (f" (did you mean {guess[0]!r}?)" if guess else ""))
        guessed = guessed and bool(guess)
    return (
        f"{where}: unknown {'key' if len(unknown) == 1 else 'keys'} {', '.join(described)}; "
        "keys are the setting names in lower case without the CRYPTOPULSE_ prefix, "
        "e.g. lake_url (the environment's spelling, CRYPTOPULSE_LAKE_URL, works too)"
        + ("" if guessed else f"; accepted: {', '.join(accepted)}")
    )
