# Two set-up commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_WORKERS ?= 2

.PHONY: setup build demo test lint lab student-jupyter clean

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

# ruff, and the Chinese typography of everything a zh student reads (grading/zh_lint.py, grading/glossary.tsv)
lint: setup
	$(PY) -m ruff check .
	$(PY) -m grading.zh_lint solutions/notebooks/*.py grading/student_README.md datasets/README.zh.md \
		grading/student_files/collect/messages.py

# One BLAS thread per process: the test workers (and the kernels they start) already use every core.
test: lint
	$(PY) -m grading build --check
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n $(PYTEST_WORKERS) tests

# JupyterLab as students get it: nbgrader's instructor tools (Formgrader, Create Assignment, the course list) off,
# by a Jupyter config folder on JUPYTER_CONFIG_PATH for this server only (the environment itself is not changed;
# grading/binder/postBuild does the same for Binder, the README's set-up command for a student's own venv).
STUDENT_JUPYTER ?= $(VENV)/student-jupyter
INSTRUCTOR_LAB_PLUGINS := "@jupyter/nbgrader:formgrader": true, "@jupyter/nbgrader:create-assignment": true, \
	"@jupyter/nbgrader:course-list": true
INSTRUCTOR_SERVER_EXTENSIONS := "nbgrader.server_extensions.formgrader": false, \
	"nbgrader.server_extensions.course_list": false

student-jupyter:
	mkdir -p $(STUDENT_JUPYTER)/labconfig $(STUDENT_JUPYTER)/jupyter_server_config.d
	printf '%s\n' '{"disabledExtensions": {$(INSTRUCTOR_LAB_PLUGINS)}, "lockedExtensions": {$(INSTRUCTOR_LAB_PLUGINS)}}' \
		> $(STUDENT_JUPYTER)/labconfig/page_config.json
	printf '%s\n' '{"ServerApp": {"jpserver_extensions": {$(INSTRUCTOR_SERVER_EXTENSIONS)}}}' \
		> $(STUDENT_JUPYTER)/jupyter_server_config.d/zz-student.json

lab: setup student-jupyter
	cd assignments && JUPYTER_CONFIG_PATH="$(abspath $(STUDENT_JUPYTER))" ../$(PY) -m jupyter lab

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
