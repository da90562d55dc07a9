# Every target sets up its own virtual environment: nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench screenshots clean qt-system-libraries

# Qt (the desktop, and its tests offscreen) needs a few system libraries. Most machines have them;
# a lean Debian/Ubuntu one gets them here (as root), anything else is told what to install.
QT_LIBS     := libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3
QT_PACKAGES := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3
qt-system-libraries:
	@missing=""; known="$$(ldconfig -p 2>/dev/null)"; \
	for lib in $(QT_LIBS); do case "$$known" in *"$$lib"*) ;; *) missing="$$missing $$lib";; esac; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $(QT_PACKAGES); \
	  else \
	    echo "Qt needs system libraries that are missing:$$missing." \
	         "Install them (Debian/Ubuntu: sudo apt-get install $(QT_PACKAGES)) and run make again." >&2; \
	    exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The product: the desktop over an in-process demo school (the weather-only demo stays
## available as `fsp-sync weather demo`).
demo: $(STAMP) qt-system-libraries
	$(BIN)/fsp --demo

## The whole test suite (what CI runs).
test: $(STAMP) qt-system-libraries
	$(BIN)/python -m pytest

## Benchmarks, run on purpose; results go to docs/benchmarks.md by hand.
bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -o python_files='bench_*.py' --benchmark-only -p no:randomly

## The README's pictures (docs/screenshots): each panel of the demo's dispatch board at 1280×720
## and 1920×1080, light and dark, rendered offscreen from one demo (NAME:PANEL, see `fsp --help`).
SCREENSHOTS := board:week day review alert:alerts weather sheet
screenshots: $(STAMP) qt-system-libraries
	@data="$$(mktemp -d)"; trap 'rm -rf "$$data"' EXIT; \
	for entry in $(SCREENSHOTS); do name="$${entry%%:*}"; panel="$${entry##*:}"; \
	  for size in 1280x720 1920x1080; do for theme in light dark; do \
	    QT_QPA_PLATFORM=offscreen $(BIN)/fsp --screenshot "docs/screenshots/$$name-$$size-$$theme.png" \
	      --size $$size --theme $$theme --panel $$panel --data-dir "$$data" || exit 1; \
	  done; done; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
