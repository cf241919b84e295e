# The README's two commands: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench setup system-deps clean

setup: $(STAMP) system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Graphviz's `dot` is a system package: installed without asking where that is possible.
system-deps:
	@sh scripts/ensure-system-deps.sh graphviz

demo: setup
	$(BIN)/autograd-mini demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: setup
	@# the peers; one that does not install here is a skipped row, not a failure
	$(BIN)/pip install --quiet -e '.[bench]' 'torch==2.13.0' || \
	  $(BIN)/pip install --quiet 'micrograd==0.1.0' 'torch==2.13.0' || true
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
