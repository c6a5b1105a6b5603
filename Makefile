# The two commands of the README: `make demo` (install, build, run the main job) and `make test`.
SWIFT ?= swift
OUT ?= out
CIBLAGE := .build/release/ciblage
DATA := Tests/RiskModelTests/References/data

.PHONY: setup build demo test bench-quick bench clean

setup:
	@scripts/install-system-deps.sh

build: setup
	$(SWIFT) build -c release --product ciblage

# The main job on the embedded default: simulate a CAF (200 000 dossiers and a PBDF-like random sample
# of 7 000), train the DMDE model on the random sample with the shipped spec, score the whole
# population, print the top of the list, audit the top 2% for bias and write the model card.
DEMO_DOSSIERS ?= 200000
demo: build
	@mkdir -p $(OUT)
	$(CIBLAGE) simulate --dossiers $(DEMO_DOSSIERS) --seed 2026 --output $(OUT)/population.csv \
		--random-sample 7000 --sample-output $(OUT)/pbdf.csv --history-output $(OUT)/history.csv
	$(CIBLAGE) train --spec models/dmde-simule.spec.yaml --data $(OUT)/pbdf.csv --output $(OUT)/model.json
	$(CIBLAGE) inspect $(OUT)/model.json
	$(CIBLAGE) score --model $(OUT)/model.json --data $(OUT)/population.csv --output $(OUT)/scores.csv
	@echo "Top 10 dossiers by score (of $(DEMO_DOSSIERS)):"
	@(head -1 $(OUT)/scores.csv; tail -n +2 $(OUT)/scores.csv | sort -t, -k2,2 -g -r | head -10) | column -t -s,
	$(CIBLAGE) audit --model $(OUT)/model.json --data $(OUT)/population.csv --attribute parent_isole --attribute nationalite \
		--attribute handicap --intersection parent_isole,revenu_rapport_smic --band revenu_rapport_smic=0.5,1 \
		--reference 'revenu_rapport_smic=< 0.5' --top-share 0.02 --archetypes models/archetypes.yaml \
		--json $(OUT)/audit.json --html $(OUT)/audit.html
	$(CIBLAGE) card --model $(OUT)/model.json --audit $(OUT)/audit.json --organisation "Caf simulée" \
		--markdown $(OUT)/card.md --html $(OUT)/card.html

# The whole suite; the queue's store tests also run against a local PostgreSQL that this starts.
test: setup
	url=$$(scripts/start-test-postgres.sh) && CIBLAGE_TEST_POSTGRES_URL=$$url $(SWIFT) test

# CI: every hot-path benchmark runs on a small fixture; allocations are the gate, never time.
bench-quick: setup
	@mkdir -p $(OUT)
	CIBLAGE_BENCH_ROWS=20000 $(SWIFT) package --package-path benchmarks benchmark --metric mallocCountTotal \
		--format markdown --path stdout --no-progress > $(OUT)/bench-quick.md
	python3 scripts/check-benchmark-allocations.py $(OUT)/bench-quick.md

# The full suite (200 000 × 40 fixture), with times, throughput and allocations.
bench: setup
	$(SWIFT) package --package-path benchmarks benchmark

clean:
	rm -rf .build $(OUT)
