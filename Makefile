# `make demo` and `make test` are all a newcomer needs: each sets up .venv when missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: screenshots demo test lint lint-openapi typecheck unit bench reliability clean help system-deps test-deps bench-tools vendor-leaflet

help:
	@echo "make demo   - run Nahbei on this machine and show what happens"
	@echo "make test   - lint (the OpenAPI document too), type-check and run every test"
	@echo "make bench  - measure speed against baselines (writes benchmarks/results.json)"
	@echo "make reliability - load, soak, faults and hostile input, ~30 min (updates RELIABILITY.md)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[backend,postgres,dev,bench]'
	touch $(STAMP)

# The fake BlueZ needs a private dbus-daemon (Debian package `dbus`); installed here when we may.
system-deps:
	@command -v dbus-daemon >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq dbus; \
	  else echo "make: dbus-daemon is missing: install Debian's dbus package (sudo apt-get install dbus)"; exit 1; fi; }

# What only the tests need, so that `make demo` stays a small download: tests/pgcluster.py starts
# PostgreSQL with PostGIS (`postgresql`, `postgresql-postgis`), tests/test_deploy_units.py checks the
# units with `systemd-analyze` (`systemd`) and the Caddyfile with `caddy`, and the page tests drive
# Debian's `chromium`; the poster's test renders its PDF with `pdftoppm` (`poppler-utils`). Installed
# when root, else those tests are skipped with the reason.
test-deps: system-deps
	@need=""; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need="$$need postgresql-postgis"; \
	  command -v systemd-analyze >/dev/null 2>&1 || need="$$need systemd"; \
	  command -v caddy >/dev/null 2>&1 || need="$$need caddy"; \
	  command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	  command -v pdftoppm >/dev/null 2>&1 || need="$$need poppler-utils"; \
	  if [ -n "$$need" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq $$need; \
	  elif [ -n "$$need" ]; then echo "make: missing Debian packages:$$need (their tests are skipped)"; fi

# At a terminal the demo's backend stays up after the report (Ctrl-C ends it), so the app, the site
# pages and the staff login it prints can be opened; from a script it ends with the report.
demo: $(STAMP) system-deps
	$(BIN)/nahbei-sim demo $$([ -t 0 ] && echo --serve)

test: lint lint-openapi typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/vulture

# /openapi.json against Redocly's recommended rules, warnings included (the -strict set makes them errors).
# The CLI is pinned and installed into .tools/ once, so only the first run needs the npm registry.
REDOCLY_VERSION := 2.77.0
REDOCLY_STAMP := .tools/redocly/.installed-$(REDOCLY_VERSION)
$(REDOCLY_STAMP):
	@command -v npm >/dev/null || { echo "make: lint-openapi needs Node.js 20.19+ or 22.12+ with npm"; exit 1; }
	@npm install --silent --prefix .tools/redocly @redocly/cli@$(REDOCLY_VERSION) >/dev/null 2>&1 || \
	  { echo "make: cannot install @redocly/cli@$(REDOCLY_VERSION) with npm (is the npm registry reachable?)"; exit 1; }
	touch $@

lint-openapi: $(STAMP) $(REDOCLY_STAMP)
	@mkdir -p var && $(BIN)/nahbei-backend openapi > var/openapi.json
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true .tools/redocly/node_modules/.bin/redocly \
	  lint --extends recommended-strict --format summary var/openapi.json

# The staff pages' map: Leaflet at the version pinned in the script, from the npm registry, its
# package's sha256 checked and each copied file checked against tools/leaflet.sha256.
vendor-leaflet:
	sh tools/vendor-leaflet.sh

# The staff pages' pictures in docs/screenshots/ (the README shows them), remade from the demo's data.
screenshots: $(STAMP) test-deps
	$(BIN)/python tools/screenshots.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) test-deps
	$(BIN)/pytest -q

# wrk (load) and mosquitto (Theengs Gateway's broker) from Debian, installed here when we may.
bench-tools:
	@if [ "$$(id -u)" = 0 ]; then for p in wrk:wrk mosquitto:mosquitto; do \
	  command -v $${p%%:*} >/dev/null || command -v /usr/sbin/$${p%%:*} >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq $${p##*:}); done; fi

bench: $(STAMP) system-deps bench-tools
	$(BIN)/python -m benchmarks

# The long suite: figures go to var/reliability/figures.jsonl, then into RELIABILITY.md's table.
FIGURES := var/reliability/figures.jsonl
reliability: $(STAMP) system-deps bench-tools $(REDOCLY_STAMP)
	@mkdir -p $(dir $(FIGURES)) && rm -f $(FIGURES)
	NAHBEI_RELIABILITY=full NAHBEI_FIGURES=$(CURDIR)/$(FIGURES) $(BIN)/pytest -q -m "long or not long" \
	  tests/reliability tests/test_api_fuzz.py tests/test_frames.py tests/test_openapi_client.py \
	  tests/test_openapi_document.py tests/test_http_errors.py; status=$$?; \
	  $(BIN)/python -m tests.reliability.figures $(FIGURES); exit $$status

clean:
	rm -rf $(VENV) .tools var reports .mypy_cache .ruff_cache .pytest_cache .hypothesis
