# SalesMeet: `make run` to try it, `make test` to check it.
# Everything lives in .venv; nothing is installed system-wide.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
MANAGE := $(PY) manage.py
APPS   := salesmeet org meetings agendas customers actions targets dashboards

.PHONY: run test lint audit messages migrate seed clean help

help:
	@echo "make run       install, migrate, seed the demo and start web + worker + beat"
	@echo "make test      install the dev tools and run the whole test suite"
	@echo "make lint      ruff and the migrations check"
	@echo "make audit     bandit over our code, pip-audit over the installed packages"
	@echo "make messages  refresh and compile the translation catalogues"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools

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

# bandit fails on any finding of medium or high severity; a justified one is
# marked "# nosec <test id>" with the reason on the line above.
# pip-audit fails on any known vulnerability in the installed packages. Its
# service answers per package version; where that service cannot be reached,
# each package is listed as "could not be audited" and the step does not fail:
# make audit PIP_AUDIT_ARGS=--strict makes that a failure too.
audit: $(VENV)/.installed-dev
	$(BIN)/bandit --quiet --recursive $(APPS) -ll
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS)

messages: $(VENV)/.installed-dev
	$(MANAGE) makemessages -l zh_Hans --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests
	$(MANAGE) compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
