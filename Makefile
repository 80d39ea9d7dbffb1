# Two entry points for a fresh machine with only Python 3.11 and pip:
#   make build   set up .venv, install dashgen, build the shipped example dashboards
#   make test    set up .venv (with test tools), run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test lint bench clean chromium docs-screenshot

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

build: $(BIN)/.installed
	$(BIN)/dashgen build

test: $(BIN)/.installed chromium
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest

# The preview's browser tests drive Debian's headless chromium (never a browser download);
# installed when missing (sudo when not root). DASHGEN_CHROMIUM=/path/to/chrome skips this.
chromium:
	@if [ -z "$$DASHGEN_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1 \
	    && ! command -v chromium-browser >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the preview's browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# docs/preview.png, the README's picture of `dashgen preview` on the shipped examples
docs-screenshot: $(BIN)/.installed chromium
	$(BIN)/python tests/preview/docs_screenshot.py docs/preview.png

lint: $(BIN)/.installed
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench

bench: $(BIN)/.installed chromium
	$(BIN)/python bench/speed_bench.py
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/build_bench.py
	$(BIN)/python bench/publish_bench.py
	$(BIN)/python bench/prune_bench.py
	$(BIN)/python bench/watch_bench.py
	$(BIN)/python bench/preview_bench.py
	$(BIN)/python bench/big_dashboard_bench.py
	$(BIN)/python bench/jinja_compile_bench.py

clean:
	rm -rf build .venv .pytest_cache
