# Two commands for learners: `make lab` and `make test`. Both create .venv on first use.
# TORCH_SPEC picks the torch build, installed first and exactly, e.g. for a CUDA machine:
#   make lab TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
PYTHON     ?= $(shell command -v python3.11 || command -v python3)
TORCH_SPEC ?= torch==2.13.0
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.course-installed
PYTEST_ARGS ?=

.PHONY: lab test test-helpers test-notebooks test-lower bench env clean-env

# The environment step: only runs again when pyproject.toml changes (the stamp file).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

env: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks $(PYTEST_ARGS)

test-helpers: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks $(PYTEST_ARGS)

# The helpers' tests against the oldest release of every dependency that pyproject.toml allows,
# torch included (scripts/lower_bounds.py), in a separate environment, .venv-lower. Torch's floor
# comes from PyPI as a CUDA build (about 3 GB with its nvidia-* wheels; it runs on a CPU).
LOWER := .venv-lower
test-lower: $(STAMP)
	@test -x $(LOWER)/bin/python || $(PYTHON) -m venv $(LOWER)
	$(BIN)/python -m scripts.lower_bounds > $(LOWER)/constraints.txt
	$(LOWER)/bin/python -m pip install -q -c $(LOWER)/constraints.txt torch
	$(LOWER)/bin/python -m pip install -q -c $(LOWER)/constraints.txt -e ".[test]"
	$(LOWER)/bin/python -m pip list --format=freeze > $(LOWER)/installed.txt
	$(LOWER)/bin/python -m pytest tests $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m scripts.bench

clean-env:
	rm -rf $(VENV)
