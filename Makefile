# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check export bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## install and open the workbench on the shipped workspace
	$(BIN)/workbench --root .

test: $(STAMP)  ## install and run the whole test suite
	$(BIN)/python -m pytest -q

check: $(STAMP)  ## the headless CI check on this repo
	$(BIN)/workbench --check --root .

export: $(STAMP)  ## regenerate doc/m0-runtime-contract-freeze
	$(BIN)/workbench export --root .

bench: $(STAMP)  ## print benchmark figures (not a test)
	$(BIN)/python bench/bench_check.py

clean:
	rm -rf $(VENV) .pytest_cache
