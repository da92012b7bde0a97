# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NAVIGATOR_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test setup setup-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.package-lock.json

setup-test: setup
	@scripts/install-browser.sh

run: setup
	$(BIN)/navigator init
	$(BIN)/navigator seed
	$(BIN)/navigator run --host 127.0.0.1 --port 5000

test: setup-test
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check navigator tests bench

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
