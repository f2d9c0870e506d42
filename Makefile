# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RUFF   := $(VENV)/bin/ruff
DB     ?= data/tsunagari.duckdb
PORT   ?= 8501

.PHONY: run serve test test-fast lint format install demo-db db-demo bench bench-slides load handout clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

$(DB): $(VENV)/.installed
	$(PY) -m data build --demo --db $(DB)

demo-db: $(DB)

# Rebuild the demo database even if one exists.
db-demo: install
	$(PY) -m data build --demo --db $(DB)

# This machine only (127.0.0.1, .streamlit/config.toml): no sign-in needed.
run: install $(DB)
	TSUNAGARI_DB=$(DB) $(VENV)/bin/streamlit run dashboard/server.py --server.address 127.0.0.1 --server.port $(PORT)

# The network (0.0.0.0) with sign-in: refuses at once, exit 2, when the instance folder has none.
serve: install
	$(PY) -m dashboard serve --check --port $(PORT)
	$(MAKE) --no-print-directory $(DB)
	$(PY) -m dashboard serve --port $(PORT) --db $(DB)

test: install
	$(PY) -m pytest -q

# Everything but the real-browser tests (Playwright driving chromium): the quick loop while working.
test-fast: install
	$(PY) -m pytest -q -m "not browser"

# ruff (ruff.toml): lint and format check, as .ci/run does. `make format` rewrites what it can
# (safe fixes, then the formatter) and lists what is left to fix by hand.
lint: install
	$(RUFF) check .
	$(RUFF) format --check .

format: install
	$(RUFF) check --fix-only .
	$(RUFF) format .
	$(RUFF) check .

bench: install
	$(PY) tests/perf/bench.py $(BENCH_ARGS)

# 発表モード: a key press until the next slide is drawn, in headless chromium (tests/perf/slide_timing.py).
SLIDES_ARGS ?= --passes 3 --label "make bench-slides" --json tests/perf/results/slides.json
bench-slides: install $(DB)
	$(PY) tests/perf/slide_timing.py --db $(DB) $(SLIDES_ARGS)

# The load harness (tests/perf/load.py): simulated members over Streamlit's websocket, loopback only.
LOAD_ARGS ?= --sessions 30 --minutes 5 --rounds 2 --presenter --json tests/perf/results/load.json --append
load: install
	$(PY) tests/perf/load.py $(LOAD_ARGS)

# The 準備会 handout from the current database: make handout OUT=handout.pptx
OUT ?= handout.pdf
handout: install $(DB)
	$(PY) -m dashboard handout --deck junbikai --db $(DB) --out $(OUT)

clean:
	rm -rf $(VENV) $(DB) $(DB).versions tests/artifacts .pytest_cache
