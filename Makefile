# CaseDesk — the two commands are `make run` and `make test`; both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# checkov and pycep-parser (tests/infra) live in their own venv: checkov pins many libraries.
IAC_VENV := .venv-iac
HOST ?= 127.0.0.1
PORT ?= 7071
PYTEST_ARGS ?= -v

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast lint format web docs pin clean
.PHONY: lint-infra

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

$(IAC_VENV)/.installed: requirements-iac.txt
	$(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/pip install --quiet --upgrade pip
	$(IAC_VENV)/bin/pip install --quiet --require-hashes -r requirements-iac.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json shared/i18n -type f 2>/dev/null)
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

setup: $(VENV)/.installed $(IAC_VENV)/.installed node_modules/.installed web/dist/index.html ## Install Python and Node dependencies, build the web app

web: web/dist/index.html ## Build the frontend into web/dist

run: $(VENV)/.installed web/dist/index.html ## Seed demo accounts (development) and serve http://127.0.0.1:7071 (PORT=8080 make run; VERBOSE=1 lists the routes)
	export CASEDESK_ENV=$${CASEDESK_ENV:-development}; \
	export CASEDESK_PUBLIC_URL=$${CASEDESK_PUBLIC_URL:-http://$(HOST):$(PORT)}; \
	banner=""; \
	if [ "$$CASEDESK_ENV" = development ]; then banner=$$($(PY) -m shared.cli seed-demo --banner) || exit 1; fi; \
	exec $(PY) -m devhost --host $(HOST) --port $(PORT) $(if $(VERBOSE),--verbose) --banner "$$banner"

test: setup ## Run every test tier (unit, contract on all adapters incl. emulators, api)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed ## Unit tests only
	$(PY) -m pytest tests/unit -q

lint: $(VENV)/.installed web/node_modules/.installed ## ruff + ruff format --check + mypy --strict; Biome (lint + format check) on web/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd web && npm run --silent lint

format: $(VENV)/.installed web/node_modules/.installed ## Apply ruff's formatting and safe fixes; Biome formats the web files it covers
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd web && npm run --silent format

lint-infra: $(VENV)/.installed $(IAC_VENV)/.installed ## checkov report on infra/ + the Bicep checks of tests/infra
	$(IAC_VENV)/bin/checkov --framework bicep -d infra --skip-download --compact --quiet
	$(PY) -m pytest tests/infra -q

docs: $(VENV)/.installed ## Re-render docs/access.md, docs/problems/, docs/api.md, web/src/lib/{item-types.json,api-types.ts} and functions/lazy_table.py from their sources
	$(PY) scripts/render_access.py
	$(PY) scripts/render_item_types.py
	$(PY) scripts/render_problems.py
	$(PY) -m functions.lazy
	$(PY) scripts/render_api_types.py
	$(PY) scripts/render_api_reference.py

# One command for every pin (docs/decisions/035): add a package to requirements*.in, run `make pin`.
# Existing pins stay where they are unless UPGRADE=1; every file gets each release file's sha256.
PIP_COMPILE = .pin-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
pin: ## Compile requirements{,-dev,-iac}.txt (full closures, hashed) from requirements*.in; UPGRADE=1 moves every pin
	test -x .pin-venv/bin/pip-compile || { $(PYTHON) -m venv .pin-venv && .pin-venv/bin/pip install --quiet pip-tools==7.6.2; }
	export CUSTOM_COMPILE_COMMAND="make pin"; \
	for name in requirements requirements-dev requirements-iac; do \
		$(PIP_COMPILE) -o $$name.txt $$name.in || exit 1; \
	done

clean: ## Remove local data, build output, caches and .venv-iac (keeps .venv and node_modules)
	rm -rf .data web/dist .pytest_cache .mypy_cache .ruff_cache $(IAC_VENV) .pin-venv
