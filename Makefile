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

# The dbt manifest Airflow (cosmos) renders the transform from: rebuilt when the project changes.
DBT_DIR := src/cryptopulse/warehouse/dbt
MANIFEST := $(DBT_DIR)/manifest/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR) \( -name '*.sql' -o -name '*.yml' \) -not -path '*/manifest/*')

# `make airflow`: a local Airflow on loopback with this repo's DAG folder and the embedded defaults;
# Ctrl-C or SIGTERM stops every process it started (orchestrate/airflow_standalone.py).
AIRFLOW_HOME ?= $(CURDIR)/.airflow
AIRFLOW_PORT ?= 8080

.PHONY: setup demo demo-seed dashboard docs test test-fast lint typecheck unit redshift-check bench airflow clean

setup: $(VENV)/.synced $(MANIFEST)

$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	@$(BIN)/python -m cryptopulse.warehouse.manifest

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --all-extras --inexact --compile-bytecode --quiet
	@touch $@

demo: setup
	$(BIN)/cryptopulse demo

demo-seed: setup
	$(BIN)/cryptopulse demo --scale seed

# The dashboard and the dbt docs on 127.0.0.1 (ports: CRYPTOPULSE_DASHBOARD_PORT, CRYPTOPULSE_DOCS_PORT).
dashboard: setup
	$(BIN)/cryptopulse dashboard

docs: setup
	$(BIN)/cryptopulse docs

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/sqlfluff lint --disable-progress-bar $(DBT_DIR)/models $(DBT_DIR)/tests

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest --durations=30

test-fast: setup ; $(BIN)/pytest -m "not slow"

# The Redshift target without a Redshift: every model and test compiled offline and checked as
# Redshift SQL, and the loader's COPY statements (part of `make test` too).
redshift-check: setup
	$(BIN)/pytest -q tests/warehouse/test_redshift_compile.py tests/warehouse/test_redshift_copy.py

test: lint typecheck unit

bench: setup
	$(BIN)/python benchmarks/seed_scale.py
	$(BIN)/python benchmarks/daily_incremental.py

airflow: setup
	@mkdir -p $(AIRFLOW_HOME)
	@export PATH=$(CURDIR)/$(BIN):$$PATH AIRFLOW_HOME=$(AIRFLOW_HOME) \
		AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
		AIRFLOW__CORE__LOAD_EXAMPLES=False \
		AIRFLOW__API__HOST=127.0.0.1 \
		AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
		CRYPTOPULSE_LAKE_URL=$${CRYPTOPULSE_LAKE_URL:-$(CURDIR)/data/lake} \
		CRYPTOPULSE_WAREHOUSE_URL=$${CRYPTOPULSE_WAREHOUSE_URL:-$(CURDIR)/data/warehouse.duckdb}; \
	$(BIN)/airflow db migrate >/dev/null && \
	$(BIN)/airflow pools set cryptopulse_warehouse 1 "one warehouse writer at a time (a DuckDB file, a Spark catalogue)" >/dev/null && \
	echo "Airflow UI: http://127.0.0.1:$(AIRFLOW_PORT)  user admin, password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated" && \
	exec $(BIN)/python -m cryptopulse.orchestrate.airflow_standalone

clean:
	rm -rf data .airflow .pytest_cache .mypy_cache .ruff_cache $(DBT_DIR)/manifest
