# Every target sets up its own virtual environment: nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The product: the desktop over an in-process demo school (the weather-only demo stays
## available as `fsp-sync weather demo`).
demo: $(STAMP)
	$(BIN)/fsp --demo

## The whole test suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest

## Benchmarks, run on purpose; results go to docs/benchmarks.md by hand.
bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -o python_files='bench_*.py' --benchmark-only -p no:randomly

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
