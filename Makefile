# Talent Exchange — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs in parallel processes, each with its own database (and, on PostgreSQL, its own
# throw-away database).
TEST_WORKERS ?= 2

.PHONY: run test lint install install-dev translations translations-update clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files: reinstall only when the pinned requirements change.
$(VENV)/.installed: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
	@scripts/system-packages.sh
install-dev: $(VENV)/.installed-dev translations
	@scripts/system-packages.sh --dev

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d talent/translations

# Re-extract visible strings after changing templates or code, then translate the new entries.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o talent/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i talent/translations/messages.pot -d talent/translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/talent init
	$(BIN)/talent demo --first-run
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops the server and the scheduler)"
	@$(BIN)/talent scheduler & sched=$$!; \
	  trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/talent serve --host $(HOST) --port $(PORT)

# The whole suite on the embedded database, then again on PostgreSQL when
# TALENT_TEST_POSTGRES_URL names a server (CI sets it; browser tests run once).
test: install-dev
	env -u TALENT_TEST_POSTGRES_URL $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS)
	@if [ -n "$$TALENT_TEST_POSTGRES_URL" ]; then \
	  echo "--- the same suite on PostgreSQL ---"; \
	  $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) -m "not browser"; \
	fi

lint: install-dev
	$(BIN)/ruff check talent tests
	$(BIN)/ruff format --check talent tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
