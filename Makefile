# `make demo`: set up and score the bundled sample sessions. `make test`: set up and run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := reports/demo.db

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[audio,lights,web,test]'
	touch $@

demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/courtesy lexicon check
	for f in audio/*.jsonl; do \
	  w=$$(basename $$f .jsonl); \
	  $(BIN)/courtesy score $$f --window $$w --profile $$(echo $$w | cut -d_ -f1) \
	    --at 2026-11-20T09:00 --db $(DEMO_DB) || exit 1; \
	done
	@echo "Demo results: $(DEMO_DB) (sqlite3 $(DEMO_DB) 'select * from visits')"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/matching.py

clean:
	rm -rf $(VENV) build *.egg-info
