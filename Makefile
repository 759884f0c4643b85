# Tandem: `make run` starts it, `make test` runs the whole suite. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench contracts contracts-check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tandem needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/tandem run

test: $(STAMP)
	$(BIN)/pytest -n 4

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench.tracker
	$(BIN)/python -m tests.bench.digest
	$(BIN)/python -m tests.bench.metrics
	$(BIN)/python -m tests.bench.wins
	$(BIN)/python -m tests.bench.fieldnotes

# Regenerates the JSON Schemas from Slack's own TypeScript definitions (needs Node.js and npm).
contracts:
	cd tests/contract && npm ci --no-audit --no-fund --silent && npm run --silent generate

contracts-check: contracts
	git diff --exit-code -- tests/contract/schemas
	@test -z "$$(git status --porcelain --untracked-files=all -- tests/contract/schemas)" || \
		{ echo "Schemas not committed: $$(git status --porcelain -- tests/contract/schemas)"; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
