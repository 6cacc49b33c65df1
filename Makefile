# yuqing: `make demo` runs the main job on the embedded store; `make test` runs every test, with a real
# Elasticsearch node started before and stopped after, even when tests fail.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ES_PORT ?= 9250
PG_PORT ?= 5433

.PHONY: install demo test bench es-start es-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip setuptools wheel
	$(PY) -m pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

DEMO_SCENARIO ?= food-safety-rumour
DEMO_SPEED ?= 60
DEMO_PORT ?= 8501

# A live drill (演练) of one shipped scenario on the embedded store: simulated web + worker + console; prints the
# console's address and the demo logins; Ctrl-C ends it and writes the after-action report.
demo: install
	$(VENV)/bin/yuqing drill $(DEMO_SCENARIO) --speed $(DEMO_SPEED) --port $(DEMO_PORT)

test: install
	@set -o pipefail; \
	infra/elasticsearch.sh start --port $(ES_PORT) || exit 1; \
	trap 'infra/elasticsearch.sh stop; infra/postgres.sh stop' EXIT; \
	infra/postgres.sh start --port $(PG_PORT) >/dev/null || exit 1; \
	YUQING_TEST_ES_URL=http://127.0.0.1:$(ES_PORT) \
	YUQING_TEST_PG_URL=postgresql+psycopg://yuqing@127.0.0.1:$(PG_PORT)/yuqing_test $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	@set -o pipefail; \
	infra/elasticsearch.sh start --port $(ES_PORT) || exit 1; \
	trap 'infra/elasticsearch.sh stop' EXIT; \
	YUQING_TEST_ES_URL=http://127.0.0.1:$(ES_PORT) $(PY) -m bench $(BENCH_ARGS)

es-start:
	infra/elasticsearch.sh start --port $(ES_PORT)

es-stop:
	infra/elasticsearch.sh stop

clean:
	rm -rf $(VENV) var .es .pg test-output
