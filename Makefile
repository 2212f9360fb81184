# The two entry points of the README, plus the pieces they are made of.
PY := .venv/bin/python
# Test stages run in parallel test workers (pytest-xdist): their tests wait on kernels,
# scratch builds or files as much as they compute. Not the browser stage: Chromium keeps
# both cores of a 2-core machine busy, and two workers took longer than one (docs/testing.md).
WORKERS ?= $(shell nproc)
XDIST = -n $(WORKERS) --dist worksteal

.PHONY: site test install build test-fast test-build test-browser test-reader catalogs lint clean

site: install build                       ## install everything, build all four languages

test: install lint test-fast build test-build test-browser test-reader   ## install everything, lint, run every test stage

install:
	bash scripts/install.sh

build:
	$(PY) -m nnbook build

test-fast:                                  ## the package, chapters' parity, catalogs (seconds)
	$(PY) -m pytest -q $(XDIST)

test-build:                                 ## the built HTML: outputs, figures, no errors
	$(PY) -m pytest -q $(XDIST) -m build

test-browser:                               ## Chromium over the served site
	$(PY) -m pytest -q -m browser

test-reader:                                ## the reader's notebooks, fresh venv, published wheel
	$(PY) -m pytest -q $(XDIST) -m reader

catalogs:
	$(PY) -m nnbook catalogs update

lint:                                       ## ruff over the package, the tests and the scripts
	.venv/bin/ruff check code tests scripts

clean:
	rm -rf _build
