# Two entry points that work on a fresh machine:  make run  and  make test
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
STAMP  := $(VENV)/.actlab-installed
TSTAMP := $(VENV)/.actlab-test-installed
OUT    ?= actlab-out

.PHONY: install run catalogue test test-slow bench lint clean lab lab-build lab-check

install: $(STAMP)

$(STAMP): pyproject.toml setup.py $(wildcard src/actlab/activations/_kernels*.[ch])
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(TSTAMP): $(STAMP)
	$(PIP) install -e '.[test]'
	# torch is an optional cross-check; the exact pin is the CPU build these machines provide
	$(PIP) install 'torch==2.13.0' || echo "warning: torch==2.13.0 not installable; parity tests will be skipped"
	touch $@

run: $(STAMP)
	$(VENV)/bin/actlab compare --out actlab-report
	@echo "open actlab-report/index.html"

catalogue: $(STAMP)
	$(VENV)/bin/actlab list
	$(VENV)/bin/actlab plot-catalogue -o $(OUT)

test: $(TSTAMP)
	# one BLAS thread per xdist worker: two workers x two threads oversubscribe 2 cores
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 -m "not slow"

test-slow: $(TSTAMP)
	$(PY) -m pytest -m slow

bench: $(TSTAMP)
	$(PY) benchmarks/bench_activations.py
	$(PY) benchmarks/bench_training.py

# The lab page: web/lab (JS) is bundled by esbuild into src/actlab/lab/lab_template.html,
# which is committed, so installing actlab needs no node. lab-check rebuilds and compares.
lab: $(STAMP)
	$(VENV)/bin/actlab lab -o lab.html
	@echo "open lab.html"

lab-build:
	cd web/lab && npm ci --no-audit --no-fund && npm run build

lab-check:
	cd web/lab && npm ci --no-audit --no-fund && npm test && npm run check

lint: $(TSTAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples

clean:
	rm -rf $(VENV) build src/*.egg-info $(OUT) actlab-report web/lab/node_modules lab.html
