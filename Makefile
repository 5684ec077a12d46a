# Two commands for learners: `make lab` (set up, then JupyterLab on the lessons) and `make test` (set up, run every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || echo python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
LAB_ARGS ?=

.PHONY: lab test book bench notebooks clean-env

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 12) else "The course needs Python 3.11 or 3.12, found %d.%d: set PYTHON=/path/to/python3.11" % v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_setup_check.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

book: $(STAMP)
	$(BIN)/python tools/build_book.py

bench: $(STAMP)
	$(BIN)/python tools/benchmark.py

# Maintainers: re-execute lessons in fresh kernels and save them (NOTEBOOKS="notebooks/03_*.ipynb" for some).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

# Maintainers: regenerate lesson 10's napari screenshots (book/images/napari/) on a virtual screen (needs xvfb).
.PHONY: screenshots
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python tools/napari_screenshots.py

clean-env:
	rm -rf $(VENV)
