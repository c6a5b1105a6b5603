# The two commands of the README: `make demo` (install, build, run the main job) and `make test`.
SWIFT ?= swift
OUT ?= out
CIBLAGE := .build/release/ciblage
DATA := Tests/RiskModelTests/References/data

.PHONY: setup build demo test clean

setup:
	@scripts/install-system-deps.sh

build: setup
	$(SWIFT) build -c release --product ciblage

# The main job on the embedded default: train on a bundled data set, show the model, score the file
# and print the top of the list.
demo: build
	@mkdir -p $(OUT)
	$(CIBLAGE) train --data $(DATA)/fair.csv --target affair --categorical occupation --reference occupation=3 --output $(OUT)/model.json
	$(CIBLAGE) inspect $(OUT)/model.json
	$(CIBLAGE) score --model $(OUT)/model.json --data $(DATA)/fair.csv --output $(OUT)/scores.csv
	@echo "Top 10 dossiers by score:"
	@(head -1 $(OUT)/scores.csv; tail -n +2 $(OUT)/scores.csv | sort -t, -k2,2 -g -r | head -10) | column -t -s,

test: setup
	$(SWIFT) test

clean:
	rm -rf .build $(OUT)
