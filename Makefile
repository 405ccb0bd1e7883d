# kefu: two commands do all set-up on a fresh machine (both idempotent):
#   make run    create the environment if needed, start the agent locally on the demo shop
#   make test   create the environment if needed, run the whole test suite
# No AWS account, no Docker, nothing from the network but the package registries.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kefu-installed
NODE_STAMP := node_modules/.kefu-installed
MODEL_DIR := .kefu/models/bge-small-zh-v1.5-q
# The first Python >= 3.11 on the PATH (override: make PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
PYTEST_ARGS ?=

.PHONY: run test lint env model browser node clean help

help:
	@echo "make run    start the agent locally on the demo shop (Ctrl-C stops it)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff + mypy"
	@echo "make model  fetch the sentence encoder from Maven Central (part of every other target)"

# The virtualenv, (re)installed when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "kefu needs Python 3.11 or newer on the PATH" >&2; exit 1; fi
	@if [ ! -x $(PY) ]; then echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

env: $(STAMP) model

# The sentence encoder (bge-small-zh-v1.5 int8 ONNX) from Maven Central, hash-checked; kept when already in place.
model: $(STAMP)
	@$(PY) scripts/fetch_encoder.py --dest $(MODEL_DIR)

# The pinned aws-cdk CLI (infra tests synthesize through it), when package.json is there.
node:
	@if [ -f package.json ]; then \
		if [ ! -f $(NODE_STAMP) ] || [ package.json -nt $(NODE_STAMP) ] || \
			{ [ -f package-lock.json ] && [ package-lock.json -nt $(NODE_STAMP) ]; }; then \
			if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi \
			&& touch $(NODE_STAMP); \
		fi; \
	fi

# Debian's Chromium + ChromeDriver for the agent-console browser test (installed only when missing, as root).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; \
		else echo "note: /usr/bin/chromium is missing and we are not root; the browser test will be skipped" >&2; fi; \
	fi

run: env
	$(VENV)/bin/kefu run

test: env node browser
	$(PY) -m pytest $(PYTEST_ARGS)

# Each functions/<name>/app.py is checked on its own: they share the module name "app", as Lambdas do.
lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy layers/kefu/python/kefu tools/kefu_dev infra training benchmarks
	@for app in functions/*/app.py; do echo "mypy $$app"; $(VENV)/bin/mypy $$app || exit 1; done

clean:
	rm -rf $(VENV) node_modules .kefu .pytest_cache .mypy_cache .ruff_cache
