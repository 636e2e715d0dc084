# Everyday commands. Each runs the tools of .venv, made and refreshed from pyproject.toml's dev
# extras when missing or older than it. `make help` lists the targets.

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed

# make bench BENCH_DB=postgres: the benchmarks on PostgreSQL (and the outage bench, which needs
# it), each in a database of its own named after BENCH_PG (dropped and recreated).
BENCH_DB ?= sqlite
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/commission_bench

.PHONY: help demo test lint format bench imports graph

help:
	@echo "make demo     migrate, load the demo, print the sign-ins, serve on :8000"
	@echo "make test     every check and the whole suite, as CI runs it (./scripts/test.sh)"
	@echo "make lint     ruff check, ruff format --check, mypy app tests, the import rule, the CSS build"
	@echo "make format   sort imports and format the code (ruff)"
	@echo "make bench    each benchmark in bench/ at a small size (BENCH_DB=postgres for PostgreSQL)"
	@echo "make imports  the import rule: routes and the layer order (scripts/check_imports.py)"
	@echo "make graph    print which feature imports which, and the cycles"

$(INSTALLED): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/commission demo

# The README's test command; it installs what it needs itself.
test:
	./scripts/test.sh

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app tests
	$(PY) scripts/check_imports.py
	$(PY) scripts/build_css.py --check

format: $(INSTALLED)
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

# Small sizes, to see that every bench runs and what it prints; the sizes that measure something
# are in each script's docstring and the README.
bench: $(INSTALLED)
	$(PY) bench/vote_storm.py --db $(BENCH_DB) --url $(BENCH_PG) --n 20 --via both \
		--watchers 10 --floor-requests 200
	$(PY) bench/fanout.py --db $(BENCH_DB) --url $(BENCH_PG)_fanout --clients 20
	$(PY) bench/floor_app.py --db $(BENCH_DB) --url $(BENCH_PG)_floor --concurrency 8 --requests 200
	$(PY) bench/search.py --db $(BENCH_DB) --url $(BENCH_PG)_search --norms 2000 --repeat 3
	$(PY) -m bench.report --db $(BENCH_DB) --url $(BENCH_PG)_report \
		--participants 12 --proposals 40 --requests 5
	$(PY) -m bench.seating --n 100 --runs 3
	$(PY) bench/ceiling.py --db $(BENCH_DB) --url $(BENCH_PG)_pages \
		--arguments 50 --duration 1 --rounds 1
ifeq ($(BENCH_DB),postgres)
	$(PY) bench/outage.py --url $(BENCH_PG)_outage \
		--clients 2 --kills 1 --cut-seconds 1 --calm-seconds 1
endif

imports: $(INSTALLED)
	$(PY) scripts/check_imports.py

graph: $(INSTALLED)
	$(PY) scripts/check_imports.py --graph
