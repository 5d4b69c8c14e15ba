# Hera: `make run` starts the web server and the worker; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run superuser test-order test browser lint sample-book

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Development mode unless the shell says otherwise (Hera's settings default to production, DJANGO_DEBUG off).
# The offline generator takes 2 s a page, so the queue, the progress, the previews and the ETA can be watched;
# HERA_OFFLINE_PAGE_SECONDS=0 (or any value) in the shell still wins.
run: export DJANGO_DEBUG ?= on
run: export HERA_OFFLINE_PAGE_SECONDS ?= 2
run: install
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py serve --port $(PORT)

# A staff account for /admin/, in the same development database as `make run`.
superuser: export DJANGO_DEBUG ?= on
superuser: install
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py createsuperuser

# A free test book in the queue (PAGES, LANGUAGE); prints its order page's address. `make run` must be running to make it.
PAGES ?= 6
LANGUAGE ?= fr
test-order: export DJANGO_DEBUG ?= on
test-order: install
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py create_test_order --pages $(PAGES) --language $(LANGUAGE)

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
