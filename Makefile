# Hera: `make run` starts the web server and the worker; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test browser lint sample-book

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Development mode unless the shell says otherwise (Hera's settings default to production, DJANGO_DEBUG off).
run: export DJANGO_DEBUG ?= on
run: install
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py serve --port $(PORT)

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium from Debian for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The whole suite in two runs: the quick tests on both cores (pytest-xdist), then, one at a time, those that start
# real processes, a browser or a private PostgreSQL server they restart. PYTEST_ARGS runs exactly what it names instead.
QUICK := not slow and not browser and not pg_restart
test: install browser
ifeq ($(strip $(PYTEST_ARGS)),)
	@$(PY) -m pytest -n 2 -m "$(QUICK)"
	@$(PY) -m pytest -m "not ($(QUICK))"
else
	@$(PY) -m pytest $(PYTEST_ARGS)
endif

lint: install
	@$(VENV)/bin/ruff check .

# Make an offline book and save its cover and second page as PNGs under generation/offline/samples/ (the README's).
sample-book: export DJANGO_DEBUG ?= on
sample-book: install
	@$(PY) manage.py sample_book --language en
