# The two commands: `make build` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lint bench clean system-deps

build: $(STAMP)
	$(BIN)/qillqa build --impose

test: $(STAMP)
	@sh tools/system-deps.sh test
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-deps:
	@sh tools/system-deps.sh

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache

bench: $(STAMP)
	$(BIN)/python bench/bench.py
