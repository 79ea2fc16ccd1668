# SalesMeet: `make run` to try it, `make test` to check it.
# Everything lives in .venv; nothing is installed system-wide.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
MANAGE := $(PY) manage.py

.PHONY: run test lint messages migrate seed clean help

help:
	@echo "make run       install, migrate, seed the demo and start web + worker + beat"
	@echo "make test      install the dev tools and run the whole test suite"
	@echo "make lint      ruff and the migrations check"
	@echo "make messages  refresh and compile the translation catalogues"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

migrate: $(VENV)/.installed-run
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

run: seed
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo
	@echo "SalesMeet is starting on http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	@echo
	@scripts/run-dev

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

messages: $(VENV)/.installed-dev
	$(MANAGE) makemessages -l zh_Hans --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests
	$(MANAGE) compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
