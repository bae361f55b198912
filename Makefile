# The two commands of the README. Each one bootstraps what it needs.
.PHONY: setup demo test lint bench

setup:
	bash .ci/setup.sh

# The main job on embedded defaults: the example suite, every result into DuckDB,
# the session report printed and written as Markdown.
demo:
	@test -x .venv/bin/python || { echo "demo: no .venv yet: installing it first (a few" \
	    "minutes; each step is printed)"; SETUP_SERVICES=0 bash .ci/setup.sh; }
	@echo "demo: running the example suite in conftest_examples/ (results into demo.duckdb)"
	.venv/bin/python -m pytest conftest_examples -p no:cacheprovider \
	    --ipfs-accel-db demo.duckdb --ipfs-accel-report demo-report.md
	.venv/bin/ipfs-accel runs demo.duckdb --limit 5

# The whole test suite, as CI runs it.
test:
	bash .ci/setup.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -n 2

lint:
	.venv/bin/ruff check .

bench:
	.venv/bin/python -m harness
