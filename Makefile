# Two commands: `make demo` and `make test`. Both set up .venv/ from the lock file first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

# Nothing phones home: dbt, cosmos and friends keep their telemetry off.
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo demo-seed test lint typecheck unit bench clean

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --inexact --compile-bytecode --quiet
	@touch $@

demo: setup
	$(BIN)/cryptopulse demo

demo-seed: setup
	$(BIN)/cryptopulse demo --scale seed

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

test: lint typecheck unit

bench: setup
	$(BIN)/python benchmarks/seed_scale.py

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
