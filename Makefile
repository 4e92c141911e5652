# The local environment lives in .venv; every target creates or updates it first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# the demo needs the core package alone (not JAX, scikit-learn, matplotlib or the test tools): a quick first command
DEMO_STAMP := $(VENV)/.installed-core

.PHONY: demo test lint bench docs docs-site clean

$(DEMO_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e .
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,docs,jax,sklearn,plot,progress]"
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	@mkdir -p build/demo
	$(VENV)/bin/symnn derive --force -o build/demo/backprop.md
	@cat build/demo/backprop.md
	@echo; echo "written: build/demo/backprop.md and its figure build/demo/backprop-network.svg"

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n 2 --dist loadfile symnn tests

# Every benchmark script, one after another; each prints its own table. The whole run is also kept in
# benchmarks/results.txt (when and where it ran first), which the documentation site shows.
bench: $(STAMP)
	@set -o pipefail; { echo "measured $$(date -u +%Y-%m-%d) on $$(nproc) cores, $$(uname -m), Python $$($(PY) -c 'import platform; print(platform.python_version())')"; \
	  for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done; } | tee benchmarks/results.tmp
	@mv benchmarks/results.tmp benchmarks/results.txt

# Regenerate docs/ from the gallery scripts in derivations/.
docs: $(STAMP)
	@for f in derivations/[0-9]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# The documentation site (mkdocs.yml) into site/, strictly: a broken link, reference or notebook cell fails it.
docs-site: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --clean

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache build site *.egg-info
