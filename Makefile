# yuqing: `make demo` runs the main job on the embedded store; `make test` runs every test, with a real
# Elasticsearch node started before and stopped after, even when tests fail.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ES_PORT ?= 9250

.PHONY: install demo test bench es-start es-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip setuptools wheel
	$(PY) -m pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/yuqing init
	$(VENV)/bin/yuqing status

test: install
	@set -o pipefail; \
	infra/elasticsearch.sh start --port $(ES_PORT) || exit 1; \
	trap 'infra/elasticsearch.sh stop' EXIT; \
	YUQING_TEST_ES_URL=http://127.0.0.1:$(ES_PORT) $(PY) -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) var .es test-output
