# The course's two commands: `make lab` opens it, `make test` proves it.
# Both create the virtual environment they need (.venv at the repository root) if it is missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help install lab test lint unit nbval format notebooks doctor benchmark clean

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) if missing)"
	@echo "make test       lint + unit tests + notebooks under nbval + browser test"
	@echo "make doctor     pre-flight check of this machine for a workshop"
	@echo "make format     format the code and the notebooks' code with ruff"
	@echo "make notebooks  re-execute notebooks/py/*.py into the stored notebooks"
	@echo "make benchmark  notebook run times and memory against the budgets"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[keras,lab,test]"
	@touch $(STAMP)

install: $(STAMP)

lab: install
	$(BIN)/jupyter lab notebooks/

# nbqa hands ruff a temporary .py file, so pyproject's "*.ipynb" per-file ignores do not
# apply: the same four are repeated on the nbqa line (imports after the setup cell, figures).
lint: install
	$(BIN)/ruff check companion tests tools benchmarks notebooks/py
	$(BIN)/ruff format --check companion tests tools benchmarks
	$(BIN)/nbqa ruff $(NOTEBOOKS) --extend-ignore=E402,B018,F811,F401

unit: install
	$(BIN)/python -m pytest tests

nbval: install
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

test: lint unit nbval

format: install
	$(BIN)/ruff format companion tests tools benchmarks notebooks/py
	$(BIN)/ruff check --fix companion tests tools benchmarks notebooks/py

notebooks: install
	$(BIN)/python tools/build_notebooks.py

doctor: install
	$(BIN)/python -m companion.doctor

benchmark: install
	$(BIN)/python benchmarks/notebooks.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
