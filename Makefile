# sslkit: every target sets up .venv on first use (and again when pyproject.toml changes).
#   make demo        load SimCLR's and the supervised baseline's references, evaluate them, print
#                    the table, write plots (make demo RETRAIN=1: train both at the live size)
#   make test        unit tests + every notebook under the smoke profile (nbval), in one pool
#                    (the unit tests include the reference command end to end on notebook 01)
#   make unit / make nbval   either half alone
#   make notebooks   regenerate each .ipynb from its .py and execute it under the cpu profile
#                    (loading the committed reference runs: minutes per notebook)
#   make references  retrain-or-reuse every reference run of the profile (default cpu), update
#                    results/<profile>-manifest.json and the README's table (maintainers)
#   make bench       augmentation throughput vs torchvision / lightly / kornia (bench/README.md lists the rest)
#   make lab         open the notebooks in JupyterLab (installs it into .venv on first use)
#
# TORCH pins the torch build installed first; `make TORCH=` lets pip choose.
# UV: with uv on PATH (pip install uv) the environment installs in about a minute instead of
# several (it links files from its cache, then compiles the bytecode pip would: a machine that sets
# PYTHONDONTWRITEBYTECODE would otherwise compile torch on every import); without it, pip. `make UV=` forces pip.
PYTHON ?= python3
UV     ?= $(shell command -v uv 2>/dev/null)
# tests and notebooks run in JOBS processes of one thread each (pytest-xdist; a notebook's cells
# stay together in one process): on 2 cores about twice as fast as one process
JOBS   ?= 2
VENV   ?= .venv
PY      = $(VENV)/bin/python
TORCH  ?= torch==2.14.1 torchvision==0.29.1
STAMP   = $(VENV)/.installed
NOTEBOOK_SOURCES = $(wildcard notebooks/[0-9]*.py)
# `make test` runs the unit tests and the notebooks in one pool of JOBS workers, the longest first
# so that both finish together (--no-loadscope-reorder: xdist otherwise reorders files by their
# count of tests, ignoring this order): the notebooks by their smoke time (pytest --durations),
# then the slowest test files, then the rest of tests/.
NBVAL_ORDER = 05_byol 03_cpc 04_simclr 09_scaling 07_swav 08_transfer 06_deepcluster 02_jigsaw 00_data_and_baselines 01_rotnet
SLOW_TESTS  = reference_command reference train trust cpc pretext byol readme runs ddp demo simclr swav
NOTEBOOK_TESTS = $(addprefix notebooks/,$(addsuffix .ipynb,$(NBVAL_ORDER)))
# the notebooks' pool: smoke kernels, one thread each, files in the order given
SMOKE_POOL = SSLKIT_PROFILE=smoke OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) -m pytest -q -p no:cacheprovider \
  -n $(JOBS) --dist loadfile --no-loadscope-reorder --nbval-lax --nbval-current-env

# notebooks run from notebooks/, so a relative SSLKIT_DATA is made absolute here
ifdef SSLKIT_DATA
export SSLKIT_DATA := $(abspath $(SSLKIT_DATA))
endif

.PHONY: install data demo test unit nbval references notebooks bench lab clean

install: $(STAMP)

ifeq ($(strip $(UV)),)
$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(strip $(TORCH)),$(PY) -m pip install -q $(TORCH))
	$(PY) -m pip install -q -r requirements.txt
	touch $@
else
$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(UV) venv -q --seed --python $(PYTHON) $(VENV)
	$(if $(strip $(TORCH)),$(UV) pip install -q --compile-bytecode --python $(PY) $(TORCH))
	$(UV) pip install -q --compile-bytecode --python $(PY) -r requirements.txt
	touch $@
endif

demo: install
	$(PY) -m sslkit.course.demo $(if $(filter 1 true yes,$(RETRAIN)),--retrain)

# smoke runs are disposable: start from none, so every notebook trains (and no stale run is refused);
# the unit tests ignore SSLKIT_PROFILE (tests/conftest.py), the notebooks' kernels run under smoke
test: data
	rm -rf "$${SSLKIT_HOME:-.}/runs/smoke"
	$(SMOKE_POOL) --durations=15 $(NOTEBOOK_TESTS) $(patsubst %,tests/test_%.py,$(SLOW_TESTS)) tests

unit: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) -m pytest tests -q -n $(JOBS) --dist loadfile

data: install  # decode CIFAR-10 once into data/cache (fails fast, naming the fix, when it is unreachable)
	$(PY) -c "from sslkit.parts.data import load_cifar10; [print(s, len(load_cifar10(s))) for s in ('train', 'test')]"

nbval: data  # smoke runs are disposable: start from none, so every notebook trains (and no stale run is refused)
	rm -rf "$${SSLKIT_HOME:-.}/runs/smoke"
	$(SMOKE_POOL) $(NOTEBOOK_TESTS)

references: data  # resumable: finished runs under runs/<profile> are reused
	$(PY) -m sslkit.course.references all --profile $${SSLKIT_PROFILE:-cpu} --prune
	$(PY) -m sslkit.course.references table --profile $${SSLKIT_PROFILE:-cpu} --write

notebooks: data  # one notebook (one torch process) at a time: two on two cores slow each other several-fold
	$(PY) -m sslkit.parts.threads
	for f in $(NOTEBOOK_SOURCES); do \
	  $(VENV)/bin/jupytext --to ipynb $$f && \
	  (cd notebooks && SSLKIT_PROFILE=$${SSLKIT_PROFILE:-cpu} ../$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	     --ExecutePreprocessor.timeout=3600 $$(basename $${f%.py}.ipynb)) || exit 1; \
	done

lab: install
	$(PY) -c "import jupyterlab" 2>/dev/null || $(PY) -m pip install -q -e ".[dev,lab]"
	cd notebooks && ../$(VENV)/bin/jupyter lab

bench: install
	$(PY) bench/augment.py

clean:
	rm -rf runs lightning_logs .pytest_cache notebooks/.pytest_cache
