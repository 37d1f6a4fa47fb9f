# Every target is a thin wrapper over a command you could type yourself; `make help` lists them.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
BASE_URL ?= http://$(HOST):$(PORT)
PROFILE ?= quick
FIXTURES ?= fixtures/default
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install lint test mock conformance fuzz reset clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or pass PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed ## Create the virtual environment and install the project with its test tools

lint: install ## Validate the contract, lint and type-check the code
	$(BIN)/openapi-spec-validator openapi/leads.yaml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install ## Run the project's tests (contract, mock, conformance against the mock)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

mock: install ## Serve the mock on http://$(HOST):$(PORT) (PORT=9000 for another port)
	$(BIN)/leads-mock --host $(HOST) --port $(PORT) --fixtures $(FIXTURES)

conformance: install ## Check the server at BASE_URL (default: the mock) with TOKEN (default: fixture tokens)
	$(BIN)/leads-conformance --base-url $(BASE_URL) --profile $(PROFILE) $(if $(TOKEN),--token $(TOKEN))

fuzz: install ## Long fuzzing of the mock (schemathesis, large example budget)
	$(BIN)/pytest -p no:cacheprovider tests/fuzz --fuzz $(PYTEST_ARGS)

reset: ## Reset a running mock (at BASE_URL) to its fixtures
	curl -fsS -X POST $(BASE_URL)/__mock/reset && echo

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info reports
