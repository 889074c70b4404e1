# The short list of what a person runs. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# dbt reads profiles.yml from the project root.
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: build test test-fast lint dbt-test pytest spark-test report bench bench-daily bench-spark evaluate clean

# Recreated whenever requirements.txt changes.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## build: create .venv, install the pinned dependencies, run dbt build on the bundled sample
build: $(VENV)/.installed
	$(BIN)/dbt build

## test: everything that checks the project (lint, dbt build with data and unit tests,
## pytest, and the Spark target against the DuckDB target)
test: lint dbt-test pytest spark-test

## test-fast: the quick loop - lint, and the pytest tests that do not run dbt
test-fast: lint
	$(BIN)/pytest -m "not dbt and not spark" -q

lint: $(VENV)/.installed
	$(BIN)/ruff check python tests models bench evaluator
	$(BIN)/ruff format --check python tests models bench evaluator
	$(BIN)/sqlfluff lint models tests --disable-progress-bar
	$(BIN)/mypy

# A full build (seeds, models, data tests, unit tests) into a throwaway warehouse,
# so `make test` never touches the warehouse you query.
# Then the docs: every model, seed, macro and column must have a description.
dbt-test: $(VENV)/.installed
	mkdir -p target
	rm -rf target/make-test.duckdb target/make-test.duckdb.build
	DUCKDB_PATH=target/make-test.duckdb $(BIN)/dbt build
	DUCKDB_PATH=target/make-test.duckdb $(BIN)/dbt docs generate
	PYTHONPATH=python $(BIN)/python -m segmentation.docs_coverage target/manifest.json target/catalog.json

pytest: $(VENV)/.installed
	$(BIN)/pytest -m "not spark"

# The Spark target's extras (requirements-spark.txt), added to .venv when they change.
$(VENV)/.spark-installed: requirements-spark.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	touch $@

## spark-test: install the Spark extras, then build the bundled sample and generated
## exports of every accepted shape on the spark target (a local PySpark session, Java 17)
## and check the audit and every customer's RFM equal the DuckDB target's
spark-test: $(VENV)/.spark-installed
	$(BIN)/pytest -m spark

## report: reports/segmentation_report.html from the published warehouse (DUCKDB_PATH, default warehouse.duckdb)
report: $(VENV)/.installed
	PYTHONPATH=python $(BIN)/python -m segmentation.report --out reports/segmentation_report.html

## bench: dbt build vs plain pandas + scikit-learn vs a bare DuckDB query at 0.5M, 5M and 50M
## lines, CSV and Parquet; writes BENCHMARKS.md (long: the 50M cells take most of an hour).
## Options go through BENCH_ARGS, e.g. make bench BENCH_ARGS='--sizes 5M --formats csv'
bench: $(VENV)/.installed
	PYTHONPATH=python $(BIN)/python bench/run.py $(BENCH_ARGS)

## bench-daily: one new weekly file (a daily load) against a full build on the same files;
## writes the "Daily loads" section of BENCHMARKS.md. E.g. make bench-daily BENCH_ARGS='--lines 50M'
bench-daily: $(VENV)/.installed
	PYTHONPATH=python $(BIN)/python bench/daily_loads.py $(BENCH_ARGS)

## bench-spark: the spark target against the DuckDB target on one generated CSV (0.5M and
## 5M lines); writes the "Spark target" section of BENCHMARKS.md. Needs the Spark extras.
bench-spark: $(VENV)/.spark-installed
	PYTHONPATH=python $(BIN)/python bench/spark_target.py $(BENCH_ARGS)

## evaluate: dbt Labs' dbt-project-evaluator on a throwaway copy of the project (a manual
## check, not part of make test: it needs local checkouts of the package and of dbt-utils),
## e.g. make evaluate EVALUATOR=~/src/dbt-project-evaluator DBT_UTILS=~/src/dbt-utils
evaluate: $(VENV)/.installed
	@test -n "$(EVALUATOR)" -a -n "$(DBT_UTILS)" || \
		{ echo "usage: make evaluate EVALUATOR=/path/to/dbt-project-evaluator DBT_UTILS=/path/to/dbt-utils"; exit 2; }
	$(BIN)/python evaluator/run.py --evaluator "$(EVALUATOR)" --dbt-utils "$(DBT_UTILS)"

clean:
	rm -rf target logs $(VENV)
