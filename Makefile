# Two commands for a fresh clone: `make book` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# SOLUTIONS=0 builds a student site without the exercise solutions.
SOLUTIONS ?= 1

.PHONY: book test lab bench vendor clean browser venv mutation pdf site-checks

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

vendor: $(STAMP)
	$(BIN)/python tools/vendor.py

book: vendor
	SOLUTIONS=$(SOLUTIONS) $(BIN)/python tools/build_book.py
	@echo "Open _build/html/index.html in a browser (works offline)."

browser:
	bash tools/ensure_chromium.sh

# Every check: lib unit and property tests, the notebooks' outputs (chapters, student exercises, reference
# solutions), notebook normalisation, the -W build and the site and JupyterLab in headless Chromium.
# The book is built first, alone (executing the chapters is the longest single step, and it is three times faster
# without the tests competing for the cores), with warnings as errors; the site tests then use that build
# (BUILT_SITE) instead of building again. Each chapter is executed once for both the site and the check of its
# outputs: tests/test_book_execution.py compares the build's execution with the committed notebook by nbval's own
# comparison. The exercise notebooks are executed in the test process by IPython's shell and compared the same way
# (tests/test_exercise_notebooks.py: no kernel start and no re-import of scipy and sympy per notebook); nbval still
# runs on any notebook directly (see CONTRIBUTING.md). The tests run on two workers, one module, test class or
# notebook at a time each, in collection order: the JupyterLab journey and the site first, one on each worker.
# TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder)
# The whole-site browser checks (tests marked site_checks): axe-core on every page in light and dark mode, the CJK
# subset drawn on every page, the JupyterLab journey of every chapter after the first, and the student site (a second
# build). They take several minutes of the two workers, so they run as `make site-checks`, which .ci/run calls after
# make test; make test keeps the site's offline, math, explorer and link checks and the journey of the first chapter
# and of a student answering an exercise, and stays within 5 minutes on 2 cores.
test: book browser
	BUILT_SITE=$(abspath _build/html) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest $(PARALLEL) --durations=8 --ignore=tests/test_pdf.py \
		-m "not site_checks" tests

site-checks: book browser
	BUILT_SITE=$(abspath _build/html) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest $(PARALLEL) --durations=5 -m site_checks tests/browser

# Mutation testing (not part of make test; long: about 3200 mutants at 5-30 s each, so several hours even with
# MUTATION_ARGS="-j 2"; --sample K runs K per file): plants one error at a time in lib/*.py and in
# the chapters' sympy derivation cells, runs the tests that should notice, and prints the share caught per module and
# chapter with the survivors (tools/mutate.py; equivalent mutants are explained in tools/mutation_equivalent/).
# It reports and exits 0; MUTATION_ARGS="--fail-under 95" makes it a gate.
MUTATION_ARGS ?=
mutation: $(STAMP)
	$(BIN)/python tools/mutate.py $(MUTATION_ARGS)

lab: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab --notebook-dir=.

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build _vendor

# The whole book as one PDF, offline (tools/pdf.py: the single-page HTML printed by Debian's chromium), into
# _build/pdf/book.pdf and _build/html/book.pdf (the site's footer links to it), then its check (tests/test_pdf.py).
pdf: book browser
	$(BIN)/python tools/pdf.py
	BOOK_PDF=_build/pdf/book.pdf $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_pdf.py
