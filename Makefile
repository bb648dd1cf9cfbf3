# digitsite — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-postgres deploy-check lint migrate clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install only when a requirements file changed.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

migrate: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput

# First run only: trains and activates the default classifier on the bundled data (~20–40 s) and the
# single-digit verifier that splits touching digits (~15 s).
run: migrate
	$(BIN)/python manage.py ensure_default_classifier
	$(BIN)/python manage.py ensure_verifier
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/python -m pytest -n auto

# The same suite against PostgreSQL: DATABASE_URL must point at a server where the role may create
# databases (pytest-django makes test_<name>_gwN per worker). `.ci/run` sets one up.
test-postgres: $(VENV)/.dev-installed
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "set DATABASE_URL=postgres://user:pw@host:5432/db" >&2; exit 2;; esac
	$(BIN)/python -m pytest -n auto

# Static checks of the delivery files (no Docker engine needed); the test suite runs them too.
deploy-check: $(VENV)/.dev-installed
	$(BIN)/hadolint --failure-threshold warning Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	@tmp=$$(mktemp -d) && cp -r docker-compose.yml deploy "$$tmp"/ && cp .env.example "$$tmp"/.env && \
	  compose_bin=$$($(BIN)/python -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")') && \
	  (cd "$$tmp" && "$$compose_bin" config -q) && rm -rf "$$tmp" && echo "docker-compose.yml: compose config ok"

clean-venv:
	rm -rf $(VENV)
