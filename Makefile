# yuqing: `make demo` runs the main job on the embedded store; `make test` runs every test, with a real
# Elasticsearch node started before and stopped after, even when tests fail.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The runtime (what `make demo` needs: transformer models run on onnxruntime, no torch), and on top of it the
# test and training extras (torch, transformers, onnx, pytest, Playwright) for `make test` and `make bench`.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
# Where pip may find CPU-only torch wheels (PyPI's pull in CUDA, GBs), e.g.
# `make test TORCH_INDEX=https://download.pytorch.org/whl/cpu`; empty: PyPI only.
TORCH_INDEX ?=
ES_PORT ?= 9250
PG_PORT ?= 5433

.PHONY: install install-dev demo demo-real test bench es-start es-stop clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip setuptools wheel

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -e .
	infra/fonts.sh
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) -e '.[test,train]'
	touch $(RUNTIME_STAMP) $(DEV_STAMP)

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

DEMO_SCENARIO ?= food-safety-rumour
# 10: the 5-hour response clock lasts 30 real minutes, time to confirm and publish by hand (infra/drill)
DEMO_SPEED ?= 10
DEMO_PORT ?= 8501

# A live drill (演练) of one shipped scenario on the embedded store: simulated web + worker + console; prints the
# console's address and the demo logins; Ctrl-C ends it and writes the after-action report.
demo: install
	@if [ -f $(REAL_DATA)/cascades.tsv.gz ]; then echo "真实语料演练场景 real-language drills: make demo-real DEMO_REAL=<$(REAL_SCENARIOS)>"; \
	else echo "真实语料演练场景需要数据 / real-language drills need the weibo_events data set in $(REAL_DATA) (cascades.tsv.gz; or make demo-real REAL_DATA=DIR)"; fi
	$(VENV)/bin/yuqing drill $(DEMO_SCENARIO) --speed $(DEMO_SPEED) --port $(DEMO_PORT)

# A live drill of a scenario built at run time from real Weibo cascades (their rows never enter the repository).
REAL_DATA ?= ../shared/data/weibo_events
REAL_SCENARIOS := real-teacher-assault-rumour|real-classroom-death|real-principal-molest-rumour
DEMO_REAL ?= real-classroom-death
demo-real: install
	$(VENV)/bin/yuqing scenario build-real --data $(REAL_DATA) --out var/scenarios-real
	$(VENV)/bin/yuqing drill var/scenarios-real/$(DEMO_REAL).toml --speed $(DEMO_SPEED) --port $(DEMO_PORT)

test: install-dev
	@set -o pipefail; \
	infra/elasticsearch.sh start --port $(ES_PORT) || exit 1; \
	trap 'infra/elasticsearch.sh stop; infra/postgres.sh stop' EXIT; \
	infra/postgres.sh start --port $(PG_PORT) >/dev/null || exit 1; \
	YUQING_TEST_ES_URL=http://127.0.0.1:$(ES_PORT) \
	YUQING_TEST_PG_URL=postgresql+psycopg://yuqing@127.0.0.1:$(PG_PORT)/yuqing_test $(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
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
