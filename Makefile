# A newcomer needs two commands: `make run` (set up, start the app) and `make test`
# (set up, lint, run every test). The other targets are their steps, or extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test setup data browser lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

data: setup
	$(PY) -m explorer.data

run: setup data
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Debian's Chromium for the browser tests; outside CI a machine without it skips them.
browser:
	./scripts/install-browser.sh || [ -z "$$CI" ]

lint: setup
	$(PY) -m ruff check .

test: setup data browser lint
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	exit $$rc

bench: setup data
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
