# The course's two commands: `make lab` opens it, `make test` proves it.
# Both create the virtual environment they need (.venv at the repository root) if it is missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# The reference stack: exact versions for the tests, the stored outputs and the Binder image
# (learners who `pip install` get pyproject's ranges). `make lock` refreshes both files.
LOCK := requirements/lock.txt
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --upgrade --custom-compile-command "make lock"
# `make lab` as root (containers, cloud VMs, CI) needs Jupyter's --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test lint unit nbval format notebooks doctor benchmark clean compat portability lock test-ipywidgets7 kernel offline-kit solutions slides hub hub-install hub-lock test-backends test-backends-notebooks test-backends-ci

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) if missing)"
	@echo "make test       lint + unit tests + notebooks under nbval + browser test"
	@echo "make doctor     pre-flight check of this machine for a workshop"
	@echo "make kernel     register the course's Jupyter kernel (\"Dense & activations (course)\")"
	@echo "make offline-kit  wheels + course + data for a room without internet (KIT_ARGS=--all)"
	@echo "make solutions  solved notebooks + HTML for handouts, in solutions/"
	@echo "make slides     intro + key-points slides per notebook (Markdown/Marp), in slides/"
	@echo "make format     format the code and the notebooks' code with ruff"
	@echo "make notebooks  re-execute notebooks/py/*.py into the stored notebooks"
	@echo "make benchmark  notebook run times and memory against the budgets"
	@echo "make portability  nbval + solved notebooks under other CPU kernels and thread counts"
	@echo "make compat     unit tests + notebooks on the lowest, newest and Colab's versions"
	@echo "make test-ipywidgets7  widget, doctor and browser tests with Colab's ipywidgets 7.7"
	@echo "make hub        a JupyterHub class server on 127.0.0.1:8000 (docs/instructor-guide.md)"
	@echo "make test-backends  the Keras-facing tests on TensorFlow, JAX and PyTorch, one process each"
	@echo "make test-backends-notebooks  the solved notebooks on JAX and PyTorch"
	@echo "make lock       refresh the reference stack (requirements/lock.txt, binder/requirements.txt)"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[keras,lab,test]"
	@touch $(STAMP)

install: $(STAMP)

lab: install
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/

# nbqa hands ruff a temporary .py file, so pyproject's "*.ipynb" per-file ignores do not
# apply: the same four are repeated on the nbqa line (imports after the setup cell, figures).
lint: install
	$(BIN)/ruff check companion tests tools benchmarks hub notebooks/py
	$(BIN)/ruff format --check companion tests tools benchmarks hub
	$(BIN)/nbqa ruff $(NOTEBOOKS) --extend-ignore=E402,B018,F811,F401

unit: install hub-install
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

# A named kernel for this environment: learners who open JupyterLab from elsewhere (Anaconda
# Navigator, another environment) pick "Dense & activations (course)" in Kernel > Change Kernel.
kernel: install
	$(BIN)/python -m ipykernel install --user --name dl-course --display-name "Dense & activations (course)"

# Handouts: every notebook run with its reference solutions, as .ipynb and HTML (tools/solutions.py).
solutions: install
	$(BIN)/python tools/solutions.py $(NB)

# Intro and closing slides per notebook, from each notebook's header and key points.
slides:
	$(PYTHON) tools/slides.py $(NB)

# The offline kit (tools/offline_kit.py): this machine's platform and Python by default;
# `make offline-kit KIT_ARGS=--all` for Linux, macOS (arm64, x86_64) and Windows x Python 3.10-3.13.
offline-kit: install
	$(BIN)/python tools/offline_kit.py $(KIT_ARGS)

benchmark: install
	$(BIN)/python benchmarks/notebooks.py

clean:
	rm -rf $(VENV) $(IPYW7) $(BACKENDS_VENV) .compat .pytest_cache .ruff_cache .hypothesis

# Throwaway environments (lowest floors on Python 3.10, newest on 3.13, Colab's versions):
# unit tests and every notebook executed in each. Slow; not part of `make test`.
compat: install
	$(BIN)/python tools/compat.py

# nbval and the solved notebooks under five CPU/thread configurations (tools/portability.py).
# SOLUTIONS="avx2" runs the solved notebooks only under the configurations named (nbval in all).
portability: install
	$(BIN)/python tools/portability.py $(CONFIGS) $(if $(SOLUTIONS),--solutions $(SOLUTIONS))

# Every Python the course supports, every platform (markers), for the tests; then the Binder
# image's subset at the same versions, for Linux and Binder's Python (binder/runtime.txt).
lock: install
	$(UV_COMPILE) --extra keras --extra lab --extra test --universal --python-version 3.10 \
	  -o $(LOCK)
	$(UV_COMPILE) --extra keras --extra lab --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	  -c $(LOCK) -o binder/requirements.txt

# Colab's ipywidgets 7.7 in a second environment: the lock, but for the widget stack, which
# requirements/ipywidgets7.txt pins. The tests run from the main environment and start it.
IPYW7 := .venv-ipywidgets7
$(IPYW7)/.installed-stamp: $(STAMP) $(LOCK) requirements/ipywidgets7.txt
	$(BIN)/uv venv --quiet --allow-existing --python $(BIN)/python $(IPYW7)
	grep -v -i -E "^($$(cut -d= -f1 requirements/ipywidgets7.txt | grep -v '^#' | paste -sd'|'))==" \
	  $(LOCK) > $(IPYW7)/constraints.txt
	VIRTUAL_ENV=$(IPYW7) $(BIN)/uv pip install --quiet -c $(IPYW7)/constraints.txt \
	  -e ".[keras,test]" -r requirements/ipywidgets7.txt
	@touch $@

test-ipywidgets7: $(IPYW7)/.installed-stamp
	COURSE_IPYWIDGETS7_PYTHON=$(abspath $(IPYW7))/bin/python $(BIN)/python -m pytest \
	  tests/test_widgets.py tests/test_browser.py -k "ipywidgets7 or ipywidgets_7"

# A JupyterHub class server (hub/jupyterhub_config.py explains it): JupyterHub and nbgitpuller
# into the course's .venv (requirements/hub.txt, against the lock), configurable-http-proxy from
# the npm registry into hub/node_modules (hub/package-lock.json). Runs as root too.
HUB_STAMP := $(VENV)/.hub-stamp
HUB_PROXY := hub/node_modules/.bin/configurable-http-proxy
$(HUB_STAMP): $(STAMP) requirements/hub.txt
	$(BIN)/python -m pip install --quiet -c $(LOCK) -r requirements/hub.txt
	@touch $@

# Without npm, `make test` goes on (tests/test_hub.py skips and says why); `make hub` stops.
$(HUB_PROXY): hub/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix hub --no-audit --no-fund --loglevel=error; \
	else echo "note: no npm, so no configurable-http-proxy (sudo apt install nodejs npm)"; fi

hub-install: $(HUB_STAMP) $(HUB_PROXY)

hub: hub-install
	@test -x $(HUB_PROXY) || { echo "make hub needs Node.js and npm: sudo apt install nodejs npm"; exit 1; }
	$(BIN)/jupyterhub -f hub/jupyterhub_config.py

# requirements/hub.in -> requirements/hub.txt, pinned against the lock (never upgrades it).
hub-lock: install
	$(BIN)/uv pip compile requirements/hub.in -c $(LOCK) --quiet --universal --python-version 3.10 \
	  --custom-compile-command "make hub-lock" -o requirements/hub.txt

# Keras 3 on its three backends, one process each (Keras reads KERAS_BACKEND once, at import),
# in a third environment: the lock plus requirements/backends.txt (JAX, and PyTorch's CPU build
# from PyTorch's CPU index, never the CUDA build a plain `pip install torch` gets). The tests
# that compare the companion with Keras are listed here and nowhere else; tests/conftest.py
# says which of them each backend skips, and why. `make test-backends-notebooks` runs the solved
# notebooks on JAX and PyTorch (`make test` runs them on TensorFlow).
BACKENDS_VENV := .venv-backends
BACKENDS ?= tensorflow jax torch
NOTEBOOK_BACKENDS ?= jax torch
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
KERAS_FACING_TESTS := tests/test_activations.py tests/test_layers.py tests/test_initializers.py \
  tests/test_losses.py tests/test_regularizers.py tests/test_optimizers.py tests/test_models.py \
  tests/test_training_equivalence.py tests/test_diagnostics.py tests/test_backend.py \
  tests/test_data.py tests/test_batchnorm.py tests/test_compare.py tests/test_residual_dense.py
$(BACKENDS_VENV)/.installed-stamp: pyproject.toml $(LOCK) requirements/backends.txt
	@test -x $(BACKENDS_VENV)/bin/python || $(PYTHON) -m venv $(BACKENDS_VENV)
	$(BACKENDS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BACKENDS_VENV)/bin/python -m pip install --quiet -c $(LOCK) -e ".[keras,lab,test]"
	$(BACKENDS_VENV)/bin/python -m pip install --quiet -c $(LOCK) --extra-index-url $(TORCH_INDEX) \
	  -r requirements/backends.txt
	@touch $@

test-backends: $(BACKENDS_VENV)/.installed-stamp
	@for b in $(BACKENDS); do \
	  start=$$(date +%s); echo "=== Keras backend: $$b"; \
	  KERAS_BACKEND=$$b $(BACKENDS_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	    $(KERAS_FACING_TESTS) || exit 1; \
	  echo "=== Keras backend $$b: $$(( $$(date +%s) - start )) s"; \
	done

# CI's pass (at most 10 minutes on 2 cores, install included): PyTorch runs every Keras-facing
# test (85 s on 2 shared cores); JAX the files where its own code paths are (jax.grad over
# stateless_call, BatchNormalization's state, diagnostics and the update:data callback,
# optimizers, regularizers, layers, models, initializers): about 4 minutes. JAX's eager
# operations compile once per new shape, so its full pass takes about 13 minutes on 2 cores
# (training_equivalence, losses and activations are the long files); `make test-backends`.
JAX_CI_TESTS := tests/test_backend.py tests/test_batchnorm.py tests/test_compare.py \
  tests/test_diagnostics.py tests/test_optimizers.py tests/test_regularizers.py \
  tests/test_models.py tests/test_layers.py tests/test_initializers.py tests/test_residual_dense.py
test-backends-ci: $(BACKENDS_VENV)/.installed-stamp
	@start=$$(date +%s); echo "=== Keras backend: torch (every Keras-facing test)"; \
	KERAS_BACKEND=torch $(BACKENDS_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  $(KERAS_FACING_TESTS) || exit 1; \
	echo "=== Keras backend torch: $$(( $$(date +%s) - start )) s"; \
	start=$$(date +%s); echo "=== Keras backend: jax (JAX_CI_TESTS)"; \
	KERAS_BACKEND=jax $(BACKENDS_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  $(JAX_CI_TESTS) || exit 1; \
	echo "=== Keras backend jax: $$(( $$(date +%s) - start )) s"

test-backends-notebooks: $(BACKENDS_VENV)/.installed-stamp
	@for b in $(NOTEBOOK_BACKENDS); do \
	  start=$$(date +%s); echo "=== solved notebooks, Keras backend: $$b"; \
	  KERAS_BACKEND=$$b $(BACKENDS_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	    --durations=0 tests/test_notebook_solutions.py || exit 1; \
	  echo "=== solved notebooks on $$b: $$(( $$(date +%s) - start )) s"; \
	done
