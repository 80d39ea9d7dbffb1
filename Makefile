# Two entry points for a fresh machine with only Python 3.11 and pip:
#   make build   set up .venv, install dashgen, build the shipped example dashboards
#   make test    set up .venv (with test tools), run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

build: $(BIN)/.installed
	$(BIN)/dashgen build

test: $(BIN)/.installed
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench

bench: $(BIN)/.installed
	$(BIN)/python bench/build_bench.py
	$(BIN)/python bench/publish_bench.py
	$(BIN)/python bench/watch_bench.py
	$(BIN)/python bench/big_dashboard_bench.py

clean:
	rm -rf build .venv .pytest_cache
