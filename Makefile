# Shortcuts for those who have make; each calls course.py, which does the work on every OS (see README.md):
# `python3 course.py lab` (Windows: `py course.py lab`) is the same without make.
#   make lab   set up .venv (first time), then JupyterLab on the course's start page
#   make test  set up .venv (first time), then every test
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || echo python3)
LAB_ARGS ?=
NOTEBOOKS ?=
LEARNERS ?= 8

.PHONY: lab test setup book bench notebooks screenshots classroom learner-path clean-env

lab:
	$(PYTHON) course.py lab $(LAB_ARGS)

test:
	$(PYTHON) course.py test

setup book bench screenshots learner-path:
	$(PYTHON) course.py $@

# Maintainers: re-execute lessons in fresh kernels and save them (NOTEBOOKS="notebooks/03_*.ipynb" for some).
notebooks:
	$(PYTHON) course.py notebooks $(NOTEBOOKS)

# Maintainers: rehearse a class of $(LEARNERS) simulated learners on a local JupyterHub (Linux).
classroom:
	$(PYTHON) course.py classroom --learners $(LEARNERS)

clean-env:
	rm -rf .venv
