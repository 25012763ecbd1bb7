# OrderTrail: `make demo` runs the demo shop, `make test` runs the whole suite. Only Python >= 3.11 and make needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format migrate serve clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "OrderTrail needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ordertrail demo

AXE := tests/browser/node_modules/axe-core/axe.min.js

# axe-core for the accessibility checks in the browser tests (npm, pinned by tests/browser/package-lock.json).
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	@touch $(AXE)

# The suite runs in TEST_WORKERS processes (pytest-xdist); each has its own databases, ports and temporary files.
TEST_WORKERS ?= 2

test: $(STAMP) $(AXE)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	$(VENV)/bin/ordertrail migrate

serve: $(STAMP)
	$(VENV)/bin/ordertrail serve

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
