# Huikuan — every task a newcomer needs. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HUIKUAN_BOOTSTRAP_API_KEY ?= huikuan-dev-key-for-local-use-only
export HUIKUAN_BOOTSTRAP_API_KEY
# `make run` only (development): webhooks may reach receivers on this machine, which the
# service otherwise refuses. Tests and benchmarks set their own.
run: export HUIKUAN_WEBHOOK_ALLOW_NETWORKS ?= 127.0.0.0/8,::1/128

# Plain `make` installs; `make help` lists the targets (each described by its `## ` comment).
.DEFAULT_GOAL := install
.PHONY: help install dev run test lint format hooks openapi migrate bench test-reliability \
	fuzz soak lock clean

help:  ## List these targets
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z -]*:.*## / {printf "  %-18s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

# constraints.txt pins every package (`make lock`), so fresh clones install the same versions.
$(BIN)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,embedded]'
	@touch $@

install dev: $(BIN)/.installed  ## Create ./.venv with the dev and embedded extras (plain `make`)

run: $(BIN)/.installed  ## Serve on http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set)
	@echo "Huikuan: http://127.0.0.1:8000/docs  -  authenticate with: Authorization: Bearer $(HUIKUAN_BOOTSTRAP_API_KEY)"
	$(BIN)/huikuan serve

test: $(BIN)/.installed  ## The whole suite (TEST_DATABASE_URL or an embedded PostgreSQL)
	$(BIN)/pytest

lint: $(BIN)/.installed  ## ruff, the formatter's check, mypy strict, import-linter (CI runs it)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app tests bench
	$(BIN)/lint-imports

format: $(BIN)/.installed  ## Fix what ruff can and format the code
	$(BIN)/ruff check --fix app tests bench
	$(BIN)/ruff format app tests bench

hooks: $(BIN)/.installed  ## Install the git pre-commit hook (ruff and the formatter on each commit)
	$(BIN)/pre-commit install

openapi: $(BIN)/.installed  ## Regenerate the committed OpenAPI document
	$(PY) -m app.api.openapi_document > openapi/openapi.json

migrate: $(BIN)/.installed  ## Apply the database migrations
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

# A fresh venv resolves pyproject.toml's ranges again; commit the new constraints.txt.
lock:  ## Re-resolve every dependency into constraints.txt (then commit it)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "lock with Python 3.11, as the image runs"'
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev,embedded]'
	{ echo "# Every package's version, from \`make lock\` (pip freeze of a fresh venv with the dev and"; \
	  echo "# embedded extras). \`make\` and the Dockerfile install with -c constraints.txt."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .lock-venv

clean:  ## Remove the venv, the embedded databases and the tools' caches
	rm -rf $(VENV) .lock-venv .data .pytest_cache .mypy_cache .ruff_cache
