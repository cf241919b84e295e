# The README's two commands: `make demo` and `make test`. Each sets up .venv first.
# `make demo` installs only what the demo runs (the runtime extras viz, examples, fast);
# `make test` adds the dev tools (the dev extra) and the browser for the browser tests.
# Each install is remembered by a stamp in .venv and redone when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_STAMP := $(VENV)/.demo-installed
TEST_STAMP := $(VENV)/.test-installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint bench setup system-deps demo-system-deps clean

# Everything `make test` needs, without running it.
setup: $(TEST_STAMP) system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[viz,examples,fast]'
	touch $(DEMO_STAMP)

# The dev extra includes the runtime extras, so it satisfies the demo's stamp as well.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	touch $(TEST_STAMP) $(DEMO_STAMP)

# Graphviz's `dot`, Chromium with its driver and a Japanese font (for figures drawn with
# --lang ja) are system packages: installed without asking where that is possible (root with
# apt-get), otherwise the install command is printed.
demo-system-deps:
	@sh scripts/ensure-system-deps.sh graphviz cjk

system-deps:
	@sh scripts/ensure-system-deps.sh graphviz chromium cjk

demo: $(DEMO_STAMP) demo-system-deps
	$(BIN)/autograd-mini demo
	@echo
	@echo "Next: open out/index.html, or try the command line:"
	@echo "    .venv/bin/autograd-mini --help"
	@echo "(or run  . .venv/bin/activate  once per shell, then plain  autograd-mini --help)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(DEMO_STAMP)
	@# the peers; one that does not install here is a skipped row, not a failure
	$(BIN)/pip install --quiet -e '.[bench]' 'torch==2.13.0' || \
	  $(BIN)/pip install --quiet 'micrograd==0.1.0' 'torch==2.13.0' || true
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
