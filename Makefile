# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean lock

# Everything a fresh machine installs comes from requirements.lock (exact versions with hashes);
# rig itself is installed on top without its dependencies and without build isolation, so no
# upstream release can change what `make demo` and `make test` run. `make lock` refreshes it.
PIP := $(BIN)/python -m pip --disable-pip-version-check --no-input
UV := uv==0.13.10

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "Installing rig and its pinned dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(PIP) install --require-hashes --no-deps -r requirements.lock >$(VENV)/install.log 2>&1 \
		&& $(PIP) install --no-deps --no-build-isolation -e . >>$(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log; exit 1; }
	touch $(STAMP)

# Refresh the pins on purpose: the newest releases that satisfy pyproject.toml (every extra) and
# requirements-tools.in, for every platform and Python from 3.11 up, with their hashes.
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q $(UV)
	.lock-venv/bin/uv pip compile pyproject.toml requirements-tools.in --all-extras --universal \
		--python-version 3.11 --generate-hashes --no-header --quiet -o requirements.lock
	rm -rf .lock-venv

demo: $(STAMP)
	$(BIN)/rig erase

# Four pytest-xdist workers on two cores, each taking whole test files (--dist loadfile): a file's
# module-scoped simulated bench starts once, and most tests wait on scaled device time, not on the
# CPU (about 165 s against 265 s with two). Each bench's taps listen on a loopback address of their
# own (rig.sim.loopback), so benches running at once do not meet on a port. TEST_WORKERS=0: one
# process.
TEST_WORKERS ?= 4

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) runs .pytest_cache
