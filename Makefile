# Huikuan — every task a newcomer needs. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HUIKUAN_BOOTSTRAP_API_KEY ?= huikuan-dev-key
export HUIKUAN_BOOTSTRAP_API_KEY
# `make run` only (development): webhooks may reach receivers on this machine, which the
# service otherwise refuses. Tests and benchmarks set their own.
run: export HUIKUAN_WEBHOOK_ALLOW_NETWORKS ?= 127.0.0.0/8,::1/128

.PHONY: run test lint format openapi migrate bench test-reliability fuzz soak clean install dev

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install dev: $(BIN)/.installed

run: $(BIN)/.installed  ## Serve on http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set)
	@echo "Huikuan: http://127.0.0.1:8000/docs  -  authenticate with: Authorization: Bearer $(HUIKUAN_BOOTSTRAP_API_KEY)"
	$(BIN)/huikuan serve

test: $(BIN)/.installed  ## The whole suite (TEST_DATABASE_URL or an embedded PostgreSQL)
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app tests bench
	$(BIN)/lint-imports

format: $(BIN)/.installed
	$(BIN)/ruff check --fix app tests bench
	$(BIN)/ruff format app tests bench

openapi: $(BIN)/.installed  ## Regenerate the committed OpenAPI document
	$(PY) -m app.api.openapi_document > openapi/openapi.json

migrate: $(BIN)/.installed
	$(BIN)/huikuan migrate

bench: $(BIN)/.installed  ## Every benchmark in bench/ (figures, never asserted)
	@for script in $(filter-out bench/harness.py bench/_%.py bench/ingest_raw.py bench/soak.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(PY) $$script || exit 1; done

test-reliability: $(BIN)/.installed  ## Processes, faults, fuzzing, bad input, security
	$(BIN)/pytest tests/reliability

soak: $(BIN)/.installed  ## Ten minutes of mixed traffic: latency, errors, memory
	$(PY) bench/soak.py

fuzz: $(BIN)/.installed  ## Schemathesis for 15 minutes against a running service
	HUIKUAN_FUZZ_SECONDS=900 $(BIN)/pytest tests/reliability/test_fuzz.py

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
