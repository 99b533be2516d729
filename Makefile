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
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

$(IAC_VENV)/.installed: requirements-iac.txt
	$(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/pip install --quiet --upgrade pip
	$(IAC_VENV)/bin/pip install --quiet -r requirements-iac.txt
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

run: $(VENV)/.installed web/dist/index.html ## Seed demo accounts (development, empty store) and serve http://127.0.0.1:7071
	export CASEDESK_ENV=$${CASEDESK_ENV:-development}; \
	export CASEDESK_PUBLIC_URL=$${CASEDESK_PUBLIC_URL:-http://$(HOST):$(PORT)}; \
	if [ "$$CASEDESK_ENV" = development ]; then $(PY) -m shared.cli seed-demo || exit 1; fi; \
	exec $(PY) -m devhost --host $(HOST) --port $(PORT)

test: setup ## Run every test tier (unit, contract on all adapters incl. emulators, api)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed ## Unit tests only
	$(PY) -m pytest tests/unit -q

lint: $(VENV)/.installed ## ruff + ruff format --check + mypy --strict on shared/ functions/ devhost/ function_app.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lint-infra: $(VENV)/.installed $(IAC_VENV)/.installed ## checkov report on infra/ + the Bicep checks of tests/infra
	$(IAC_VENV)/bin/checkov --framework bicep -d infra --skip-download --compact --quiet
	$(PY) -m pytest tests/infra -q

docs: $(VENV)/.installed ## Re-render docs/access.md, docs/problems/, web/src/lib/item-types.json and functions/lazy_table.py from their sources
	$(PY) scripts/render_access.py
	$(PY) scripts/render_item_types.py
	$(PY) scripts/render_problems.py
	$(PY) -m functions.lazy

pin: ## Re-pin requirements.txt from its top-level packages in a fresh venv
	rm -rf .pin-venv && $(PYTHON) -m venv .pin-venv
	.pin-venv/bin/pip install --quiet $$(sed -n 's/^# Top-level: //p;s/^# azure-communication-email, /azure-communication-email /p' requirements.txt | tr ',' ' ' | sed 's/\. Regenerate.*//')
	@echo "compare with requirements.txt:" && .pin-venv/bin/pip freeze && rm -rf .pin-venv

clean: ## Remove local data, build output, caches and .venv-iac (keeps .venv and node_modules)
	rm -rf .data web/dist .pytest_cache .mypy_cache .ruff_cache $(IAC_VENV)
