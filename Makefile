# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SERVERS ?= 100000
# COMMITS: by default one commit of history for every five servers, at most 20,000

.PHONY: demo test bench lint vendor clean

$(BIN)/gitinv: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-extras: pyproject.toml $(BIN)/gitinv
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/gitinv
	$(BIN)/gitinv validate
	$(BIN)/gitinv serve --demo --port $(PORT)

test: $(VENV)/.test-extras
	$(BIN)/python -m pytest --cov --cov-report=term

lint: $(VENV)/.test-extras
	$(BIN)/ruff check tools tests bench
	$(BIN)/ruff format --check tools tests bench
	$(BIN)/mypy

bench: $(VENV)/.test-extras
	$(BIN)/python -m bench --servers $(SERVERS) $(if $(COMMITS),--commits $(COMMITS)) $(BENCH_ARGS)

# The dashboard's ag-grid bundle, from the npm package (Node.js and npm; see
# tools/gitinv/site/static/vendor/VERSIONS.md). Its output is committed.
vendor:
	cd vendor && npm ci --no-audit --no-fund && npm run --silent build

clean:
	rm -rf $(VENV) _site .bench
