"""sqlfluff's stand-in for dbt's cross-database macros (`dbt.<name>(...)` in the models).

Only for `make lint`: the jinja templater renders the models with these, so sqlfluff sees
SQL shaped like what dbt compiles on DuckDB. dbt itself never imports this file.
"""

from __future__ import annotations


def type_timestamp() -> str:
    return "timestamp"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_string() -> str:
    return "varchar"


def current_timestamp() -> str:
    return "now()"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"{from_date_or_timestamp} + interval ({interval}) {datepart}"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def hash(field: str) -> str:
    return f"md5(cast({field} as varchar))"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def except_() -> str:
    return "except"


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return (
        f"select {start_date} + interval (n) {datepart} as date_{datepart} "
        f"from range(date_diff('{datepart}', {start_date}, {end_date})) as spine (n)"
    )


def generate_series(upper_bound: int) -> str:
    return f"select range + 1 as generated_number from range({upper_bound})"


# `dbt.except()` in the models: `except` is a Python keyword.
globals()["except"] = except_
