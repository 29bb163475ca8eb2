# Two set-up commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_WORKERS ?= 2

.PHONY: setup build demo test lint lab clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

build: setup
	$(PY) -m grading build

demo: setup
	$(PY) -m grading build
	$(PY) -m grading demo

lint: setup
	$(PY) -m ruff check .

# One BLAS thread per process: the test workers (and the kernels they start) already use every core.
test: lint
	$(PY) -m grading build --check
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n $(PYTEST_WORKERS) tests

lab: setup
	cd assignments && ../$(PY) -m jupyter lab

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
