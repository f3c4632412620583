# A newcomer needs two commands: `make run` (set up, start the app) and `make test`
# (set up, lint, run every test). The other targets are their steps, or extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test setup data system lint bench clean scheduler worker

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

# MNIST is required: without it this stops, saying how to get it. Then what the Explore
# page needs of each shipped model, computed once (cache/). Fashion-MNIST is optional (from
# Debian's package, or torchvision's download, tried once): without it, its model waits,
# and one line says how to get it.
data: setup
	$(PY) -m explorer.datasets.provision mnist
	$(PY) -m explorer.page.prepared

run: setup data
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Training on other machines (README, "Serving a class"): a Dask scheduler on one machine,
# workers on any (each `make worker`, with `GPU=1` on a machine with a GPU), and the app
# started with LATENT_EXPLORER_SCHEDULER=tcp://HOST:8786.
SCHEDULER_PORT ?= 8786
scheduler: setup
	DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0 PYTHONPATH=$(CURDIR) $(VENV)/bin/dask scheduler --port $(SCHEDULER_PORT) --dashboard-address :0

worker: setup
	@[ -n "$(SCHEDULER)" ] || { echo "usage: make worker SCHEDULER=tcp://HOST:PORT [GPU=1]" >&2; exit 2; }
	$(PY) -m explorer.datasets.provision mnist
	PYTHONPATH=$(CURDIR) $(VENV)/bin/dask worker $(SCHEDULER) --nthreads 1 --nworkers 1 \
		--preload explorer.server.task \
		$(if $(GPU),--resources GPU=1) --name $$(hostname)-$$$$

# Debian's Chromium (browser tests) and Fashion-MNIST; outside CI, tests that need what
# could not be installed are skipped.
system:
	./scripts/install-system.sh || [ -z "$$CI" ]

lint: setup
	$(PY) -m ruff check .

test: setup system data lint
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	exit $$rc

bench: setup data
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache cache static/latent-explorer
