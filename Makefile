# The two commands: `make demo` and `make test`. Everything else is their set-up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///./liaison.db

.PHONY: demo test setup serve lint bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Migrate, load the demo (once; later runs skip it) and serve with the worker in-process.
demo: setup
	LIAISON_DATABASE_URL=$(DEMO_DB) $(BIN)/liaison demo --seed 7 --size small
	LIAISON_DATABASE_URL=$(DEMO_DB) $(BIN)/liaison serve --host 127.0.0.1 --port 8000

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) node_modules liaison.db liaison.db-wal liaison.db-shm
