# Callback Inspector: the commands a newcomer needs. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint deadcode bench soak package venv clean

# The venv is (re)built when missing or when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,packaging]'
	touch $(STAMP)

venv: $(STAMP)

# Opens the window; without a display it explains how to run headless (`serve`).
run: $(STAMP)
	$(BIN)/callback-inspector gui || test $$? -eq 2

lint: $(STAMP)
	$(BIN)/ruff check inspector tests bench examples
	$(BIN)/mypy

# Code nothing uses (vulture); vulture_whitelist.py names what a framework or a user calls,
# each with its reason. Not part of `make test`: a finding is a place to look, not a verdict.
deadcode: $(STAMP)
	$(BIN)/vulture inspector vulture_whitelist.py --min-confidence 60

# Lint + the whole suite but the slow tests (installers, 2-minute soak, the handler check end
# to end: make test-slow;
# CI runs both).
# pytest's exit 5 ("no tests ran") is a failure, not a pass.
test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" tests examples; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): a failure" >&2; exit 1; fi; \
	exit $$rc

# The slow tests: builds the .deb and the wheel and runs the packaged app, and the 2-minute
# soak (about 6 minutes).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m slow tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-slow: pytest collected no tests (exit 5): a failure" >&2; exit 1; fi; \
	exit $$rc

# PyInstaller bundle -> dist/*.deb, dist/*.tar.gz and a wheel (packaging/README.md).
package: $(STAMP)
	bash packaging/build.sh

# Every performance figure against a baseline measured in the same run (bench/README.md).
# Reports; exits 0 even when a target is missed.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# One hour at 200 req/s with WebSockets mixed in; memory and open fds every minute.
soak: $(STAMP)
	$(BIN)/python bench/soak.py --minutes 60

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
