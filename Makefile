# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NAVIGATOR_INSTANCE ?= $(CURDIR)/instance
# Public reference data (boundaries, census, postcode districts) read in place, never copied.
SHARED_DATA ?= ../shared/data

.PHONY: run test setup setup-test lint bench clean demo-geography

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
	@$(MAKE) --no-print-directory demo-geography
	$(BIN)/navigator run --host 127.0.0.1 --port 5000

# Loads national postcode districts, boundaries and census data for the gap map when the
# reference data is beside the project; without it the demo still runs on seeded districts.
demo-geography:
	@if [ -d "$(SHARED_DATA)" ]; then \
	  $(BIN)/navigator geodata load-pdus $(SHARED_DATA)/lad2024_to_probation_region_pdu_ew.csv && \
	  $(BIN)/navigator geodata load-boundaries $(SHARED_DATA)/lad_2024_ew_with_census_probation.geojson && \
	  $(BIN)/navigator geodata load-population $(SHARED_DATA)/census2021_ethnicity_religion_lad2024_ew.csv && \
	  $(BIN)/navigator geodata load $(SHARED_DATA)/outcode_centroids_ew_with_lad2024.csv; \
	else echo "No $(SHARED_DATA): skipping national geography (gap map needs navigator geodata load-boundaries)"; fi

test: setup-test
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check navigator tests bench

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache

.PHONY: security
security: setup
	scripts/security-checks.sh
