# Two commands: `make demo` and `make test`. Both create .venv with Python 3.11 on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test bench fuzz lint clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[test,distributed]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/corridorsim routes
	$(BIN)/corridorsim run baseline_2024

# The browser tests (pytest -m browser) open the pages in Chromium, by default Debian's at
# /usr/bin/chromium (another: make test CHROMIUM=/path/to/chromium; tests/browserkit.py reads
# it from the environment). Installed here when missing and we are root with apt-get (as
# .ci/run does); otherwise the rest of the suite runs and the command to install it is printed.
DEBIAN_CHROMIUM := /usr/bin/chromium
CHROMIUM := $(DEBIAN_CHROMIUM)
NO_BROWSER_HINT := "The browser tests (-m browser) were skipped: no Chromium at $(CHROMIUM)." \
  "To run them: sudo apt-get install -y chromium (Debian/Ubuntu), then make test;" \
  "or name another Chromium: make test CHROMIUM=/path/to/chromium"

test: $(VENV)/.installed-test
	@if [ ! -x $(CHROMIUM) ] && [ "$(CHROMIUM)" = $(DEBIAN_CHROMIUM) ] && [ "$$(id -u)" = 0 ] \
	    && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests: apt-get install -y chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || echo "could not install chromium"; \
	fi
	@if [ -x $(CHROMIUM) ]; then \
	  CORRIDORSIM_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q; \
	else \
	  echo "No Chromium at $(CHROMIUM): running the suite without the browser tests."; \
	  $(BIN)/python -m pytest -q -m "not browser"; rc=$$?; \
	  printf '%s\n' $(NO_BROWSER_HINT); exit $$rc; \
	fi

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run_bench.py

fuzz: $(VENV)/.installed-test
	CORRIDORSIM_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -q tests/test_fuzz.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis test-artifacts
