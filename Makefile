# Two commands do all the set-up on a fresh machine:
#   make demo   install into .venv, load the bundled samples into ./var/store, serve on http://127.0.0.1:8000/
#   make test   install into .venv (with test tools) and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STORE ?= var/store
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLES = samples/pop/constructed-hdf-merimee-opendata.csv samples/pop/constructed-hdf-palissy-opendata.csv \
          samples/pop/constructed-hdf-joconde-opendata.csv samples/pop/constructed-hdf-museo-opendata.csv

# Records written for the linking gold set (marked as such: tests/data/gold/PROVENANCE.md): the same
# persons, museums and buildings across museums, monuments, archives and libraries.
GOLD = $(sort $(wildcard tests/data/gold/constructed-gold-*))

.PHONY: install demo load serve test test-attacks bench clean

$(BIN)/patrimoine: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(BIN)/patrimoine

load: install
	$(BIN)/patrimoine --store $(STORE) load $(SAMPLES)
	$(BIN)/patrimoine --store $(STORE) load samples/museums/liste-et-localisation-des-musees-de-france.csv
	$(BIN)/patrimoine --store $(STORE) load --region all --dataset pop-samples-france \
		samples/pop/pop-api-merimee-item.json samples/pop/pop-api-palissy-search-response.json \
		samples/pop/merimee-MH-10.csv samples/pop/joconde-valid-UTF-8.txt
	$(BIN)/patrimoine --store $(STORE) load --dataset ad62-fonds-james-gates samples/ead/FRAD062_ir_9fi_02_permaliens.xml
	$(BIN)/patrimoine --store $(STORE) load --dataset am-armentieres samples/ead/FRAM059017_data_archives_anciennes.csv
	$(BIN)/patrimoine --store $(STORE) load --dataset sudoc-upjv samples/marc/sudoc-24276858X.marcxml.xml
	$(BIN)/patrimoine --store $(STORE) load --region all $(GOLD)
	$(BIN)/patrimoine --store $(STORE) link
	$(BIN)/patrimoine --store $(STORE) datasets

demo: load
	$(BIN)/patrimoine --store $(STORE) serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

test-attacks: install  # the attacks the endpoint and the loaders must hold against (README: Security)
	$(BIN)/python -m pytest -q tests/test_attacks.py tests/test_attacks_loaders.py tests/test_endpoint_safety.py

bench: install
	$(BIN)/python bench/load.py

clean:
	rm -rf var .pytest_cache
