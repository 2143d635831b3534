# Two commands from a fresh clone: `make run` and `make test` (PYTHON=python3.12 picks another interpreter).
# Bytecode caches make every test process (xdist workers, CLI subprocesses) start ~2 s faster: keep them on
# even where the environment turns them off (PYTHONDONTWRITEBYTECODE); they stay in gitignored __pycache__/.
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
# one venv per interpreter: `make test PYTHON=python3.12` builds .venv-python3.12, never reusing .venv
VENV   ?= .venv$(if $(filter python3,$(PYTHON)),,-$(notdir $(PYTHON)))
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run venv venv-lowest test test-fast lint test-lowest check export docs bench clean

# uv installs what pip would, in a third of the time (17 s -> 7 s a venv); pip only fetches uv itself
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test,lint]'
	touch $(STAMP)

# A separate venv holding the OLDEST versions that pyproject.toml allows for every
# direct dependency (uv's lowest-direct resolution); rebuilt from scratch whenever
# pyproject.toml changes, so an old install can never mask a false lower bound.
LOWEST       := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed

$(LOWEST_STAMP): pyproject.toml
	rm -rf $(LOWEST)
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet uv
	$(LOWEST)/bin/uv pip install --python $(LOWEST)/bin/python --resolution lowest-direct -e '.[test]'
	touch $(LOWEST_STAMP)

venv: $(STAMP)  ## only install (.ci/run builds the other interpreters' venvs while the suite runs)

venv-lowest: $(LOWEST_STAMP)

run: $(STAMP)  ## install and open the workbench on the shipped workspace
	$(BIN)/workbench --root .

# in parallel, one worker per core (pytest-xdist; an idle worker takes tests queued for a busy one, so the
# long witness and kill -9 tests do not end the run alone; two per core was slower on 2 cores);
# PYTEST_ARGS adds options, e.g. PYTEST_ARGS='-k wire'
PYTEST := -m pytest -q -n auto --dist worksteal $(PYTEST_ARGS)
# the fast path: every test not marked slow (Pilot sessions, witness searches, kill -9 loops are); the
# app's real start in a terminal and every snapshot still run. CI's other Pythons and lowest bounds use it.
FAST   := -m "not slow"

test: $(STAMP) lint  ## install, run the static checks and the whole test suite
	$(BIN)/python $(PYTEST)

test-fast: $(STAMP)  ## the fast path of the suite (no lint: it does not depend on the interpreter)
	$(BIN)/python $(PYTEST) $(FAST)

lint: $(STAMP)  ## ruff, mypy (strict outside tui/) and the import-layer contracts (lazy imports count)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-lowest: $(LOWEST_STAMP)  ## the fast path against the lower bounds in pyproject.toml
	$(LOWEST)/bin/python $(PYTEST) $(FAST)

check: $(STAMP)  ## the headless CI check on this repo
	$(BIN)/workbench --check --root .

export: $(STAMP)  ## regenerate doc/m0-runtime-contract-freeze
	$(BIN)/workbench export --root .

docs: $(STAMP)  ## regenerate docs/reference/ (rules, configuration, records, keys) from the code
	$(BIN)/python -m workbench.reference docs/reference

bench: $(STAMP)  ## print benchmark figures (not a test): the check by workload, then the TUI after a save
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_tui.py

clean:
	rm -rf .venv .venv-* .pytest_cache
