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
BENCH_ARGS ?=

.PHONY: help install lint lint-spec types test package-test mutants fuzz bench bench-smoke profile mock conformance reset clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or pass PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed ## Create the virtual environment and install the project with its test tools

lint: install lint-spec ## Validate and lint the contract (Spectral, Redocly), lint and type-check the code, check the layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lint-spec: install ## Validate the contract, then lint it with Spectral and Redocly (npm)
	$(BIN)/openapi-spec-validator openapi/leads.yaml mock_server/http/control.yaml mock_server/http/oauth.yaml
	bash scripts/lint-spec.sh

types: ## Generate TypeScript types from the contract and type-check a usage file (npm)
	bash scripts/check-types.sh

test: install ## Run the project's tests (contract, mock, conformance against the mock)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

package-test: install ## Build the wheel from a clean clone, install it in fresh venvs outside the checkout, run docs/ci.md's commands (~3 min)
	LEADS_PACKAGE_TEST=1 $(BIN)/pytest -n 0 tests/packaging/test_install.py

mutants: install ## Check that the conformance suite fails against every broken mock (tests/mutants)
	$(BIN)/pytest -n 2 tests/mutants

fuzz: install ## Long reliability run (schemathesis 1000 examples, concurrency, hostile input, rights); rewrites docs/reliability.md (~14 min)
	LEADS_FUZZ=1 $(BIN)/pytest -n 0 tests/reliability $(PYTEST_ARGS)

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BIN)/.bench-installed ## Benchmark the mock against Prism at 1k/10k/100k leads (needs wrk); rewrites docs/benchmarks.md (~20 min)
	bash -c 'source scripts/node-deps.sh && ensure_node_deps'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-smoke: $(BIN)/.bench-installed ## The whole benchmark harness on a tiny budget, as a test (needs wrk; ~1 min)
	bash -c 'source scripts/node-deps.sh && ensure_node_deps'
	LEADS_BENCH_SMOKE=1 $(BIN)/pytest -n 0 tests/benchmarks/test_run.py

profile: $(BIN)/.bench-installed ## Where the mock's time goes (py-spy); writes benchmarks/.profiles/summary.md (~10 min)
	$(BIN)/python -m benchmarks.profile $(BENCH_ARGS)

mock: install ## Serve the mock on http://127.0.0.1:8080 (PORT=9000 for another port)
	$(BIN)/leads-mock --host $(HOST) --port $(PORT) --fixtures $(FIXTURES)

conformance: install ## Check the server at BASE_URL (default: the mock) with TOKEN (default: fixture tokens)
	$(BIN)/leads-conformance --base-url $(BASE_URL) --profile $(PROFILE) $(if $(TOKEN),--token $(TOKEN)) $(if $(READER_TOKEN),--reader-token $(READER_TOKEN)) $(if $(NORIGHTS_TOKEN),--norights-token $(NORIGHTS_TOKEN)) $(if $(AGENT_TOKEN),--agent-token $(AGENT_TOKEN)) $(if $(SEED),--seed $(SEED)) $(if $(JUNIT),--junit-xml $(JUNIT)) $(CONFORMANCE_ARGS)

reset: ## Reset a running mock (at BASE_URL) to its fixtures
	curl -fsS -X POST $(BASE_URL)/__mock/reset && echo

clean: ## Remove the virtual environment and caches
	rm -rf benchmarks/.data benchmarks/.results benchmarks/.profiles
	rm -rf $(VENV) node_modules types/leads.d.ts .pytest_cache .mypy_cache .ruff_cache build *.egg-info reports
