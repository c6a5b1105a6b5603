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

# The main job on the embedded default, the whole cycle of a cible (everything lands in $(OUT)/):
#  1. simulate a CAF (200 000 dossiers, a PBDF-like random sample of 7 000 and monthly histories),
#     and an independent random sample of another simulated CAF for evaluation;
#  2. select variables stepwise on the sample (the 20 candidate columns c001… are mostly noise),
#     then train the two-part model (risk and expected indu) on the selected spec;
#  3. score the population, evaluate on the independent sample, audit the top 2% for bias, write the card;
#  4. plan a campaign into a fresh SQLite store, with a signed checkpoint of its audit log; then the
#     datamining métier cible: simulated processing acts, a model of the verifier's rejet, an audit by
#     theme, and a verification campaign by volume in the same store; then the accès aux droits cible:
#     simulated households and a past randomised outreach experiment, its uplift per channel, a model
#     per arm, an outreach campaign ranked by predicted uplift with a tenth held out and a
#     contact-pressure rule, the audit of who among the entitled is left out, the simulated follow-up
#     and the campaign's measured uplift; run a few controller operations;
#  5. create demo accounts (one per role, and a second datascientist; passwords printed), register the
#     model as dmde-simule@2026.1 with its evidence, approve it with the other datascientist (four
#     eyes), write its AI Act documents (Art. 27, 49, 72), and serve the web application on
#     127.0.0.1:8080 until Ctrl-C (DEMO_SERVE=0 stops before serving).
DEMO_DOSSIERS ?= 200000
DEMO_STORE := $(OUT)/queue.sqlite
demo: build
	@mkdir -p $(OUT)
	@rm -f $(DEMO_STORE) $(DEMO_STORE)-wal $(DEMO_STORE)-shm $(OUT)/audit.key $(OUT)/audit.key.pub $(OUT)/checkpoints.jsonl
	$(CIBLAGE) simulate --dossiers $(DEMO_DOSSIERS) --seed 2026 --output $(OUT)/population.csv \
		--random-sample 7000 --sample-output $(OUT)/pbdf.csv --history-output $(OUT)/history.csv
	$(CIBLAGE) simulate --dossiers 100000 --seed 2027 --random-sample 7000 --sample-output $(OUT)/pbdf_eval.csv
	$(CIBLAGE) select --spec models/dmde-simule.spec.yaml --data $(OUT)/pbdf.csv --method stepwise \
		--slentry 0.01 --slstay 0.01 --selected-spec $(OUT)/selected.spec.yaml
	$(CIBLAGE) train --spec $(OUT)/selected.spec.yaml --data $(OUT)/pbdf.csv --amount montant_indu --output $(OUT)/model.json
	$(CIBLAGE) inspect $(OUT)/model.json
	$(CIBLAGE) score --model $(OUT)/model.json --data $(OUT)/population.csv --output $(OUT)/scores.csv --reasons 3
	@echo "Top 10 dossiers by expected value (of $(DEMO_DOSSIERS)):"
	@(head -1 $(OUT)/scores.csv | cut -d, -f1-4; tail -n +2 $(OUT)/scores.csv | sort -t, -k4,4 -g -r | head -10 | cut -d, -f1-4) | column -t -s,
	$(CIBLAGE) evaluate --model $(OUT)/model.json --data $(OUT)/pbdf_eval.csv --bootstrap 200 \
		--json $(OUT)/evaluation.json --report $(OUT)/evaluation.html
	$(CIBLAGE) audit --model $(OUT)/model.json --data $(OUT)/population.csv --attribute parent_isole --attribute nationalite \
		--attribute handicap --intersection parent_isole,revenu_rapport_smic --band revenu_rapport_smic=0.5,1 \
		--reference 'revenu_rapport_smic=< 0.5' --top-share 0.02 --archetypes models/archetypes.yaml \
		--json $(OUT)/audit.json --html $(OUT)/audit.html
	$(CIBLAGE) card --model $(OUT)/model.json --evaluation $(OUT)/evaluation.json --audit $(OUT)/audit.json \
		--organisation "Caf simulée" --valid-from 2026-01-01 --valid-until 2026-12-31 --reference dmde-simule@2026.1 \
		--markdown $(OUT)/card.md --html $(OUT)/card.html
	@sed 's|model: .*|model: model.json|' models/campagne-demo.yaml > $(OUT)/campagne.yaml
	$(CIBLAGE) queue keygen --output $(OUT)/audit.key
	$(CIBLAGE) queue plan --campaign $(OUT)/campagne.yaml --data $(OUT)/population.csv --store $(DEMO_STORE) --output $(OUT)/plan.csv \
		--key $(OUT)/audit.key --checkpoint $(OUT)/checkpoints.jsonl
	$(CIBLAGE) simulate --cible metier --dossiers 50000 --seed 2028 --output $(OUT)/actes.csv \
		--random-sample 5000 --sample-output $(OUT)/actes_verifies.csv --spec-output $(OUT)/metier.spec.yaml
	$(CIBLAGE) train --spec $(OUT)/metier.spec.yaml --data $(OUT)/actes_verifies.csv --amount impact_euros --output $(OUT)/metier.json
	$(CIBLAGE) audit --model $(OUT)/metier.json --data $(OUT)/actes.csv --attribute prestation --attribute evenement \
		--attribute parent_isole --top-k 1500 --json $(OUT)/audit-metier.json --html $(OUT)/audit-metier.html
	@sed 's|model: .*|model: metier.json|' models/campagne-metier.yaml > $(OUT)/campagne-metier.yaml
	$(CIBLAGE) queue plan --campaign $(OUT)/campagne-metier.yaml --data $(OUT)/actes.csv --store $(DEMO_STORE) --output $(OUT)/plan-metier.csv
	$(CIBLAGE) simulate --cible acces --dossiers 60000 --seed 2029 --output $(OUT)/foyers.csv \
		--random-sample 20000 --sample-output $(OUT)/experience-acces.csv --spec-output $(OUT)/acces.spec.yaml
	$(CIBLAGE) uplift estimate --data $(OUT)/experience-acces.csv --inclusion proba_inclusion --cost sms=0.1 --cost courrier=1.2 \
		--cost appel=6 --cost rdv=45 --json $(OUT)/uplift-experience.json
	for arm in aucun sms appel; do \
		$(CIBLAGE) train --spec $(OUT)/acces.spec.yaml --data $(OUT)/experience-acces.csv --only canal=$$arm --output $(OUT)/acces-$$arm.json || exit 1; \
	done
	$(CIBLAGE) uplift score --control $(OUT)/acces-aucun.json --treated sms=$(OUT)/acces-sms.json --treated appel=$(OUT)/acces-appel.json \
		--data $(OUT)/foyers.csv --output $(OUT)/uplift-foyers.csv
	@sed -e 's|\.\./out/|./|' models/campagne-acces.yaml > $(OUT)/campagne-acces.yaml
	$(CIBLAGE) queue plan --campaign $(OUT)/campagne-acces.yaml --data $(OUT)/foyers.csv --store $(DEMO_STORE) --output $(OUT)/plan-acces.csv
	$(CIBLAGE) audit --model $(OUT)/acces-aucun.json --data $(OUT)/foyers.csv --selected $(OUT)/plan-acces.csv --among eligible=1 \
		--attribute nationalite --attribute handicap --attribute isole --band age=30,45,60,75 --attribute age \
		--json $(OUT)/audit-acces.json --html $(OUT)/audit-acces.html
	$(CIBLAGE) uplift simulate-follow-up --plan $(OUT)/plan-acces.csv --seed 2029 --output $(OUT)/suivi-acces.csv
	$(CIBLAGE) uplift estimate --data $(OUT)/suivi-acces.csv --arm selection --control temoin --stratum canal \
		--campaign $(OUT)/campagne-acces.yaml --json $(OUT)/uplift-campagne.json
	@scripts/demo-controllers.sh $(CIBLAGE) $(DEMO_STORE) $(OUT)
	@echo
	@echo "Open, in $(OUT)/: evaluation.html (performance), audit.html (bias audit), card.html (model card and public notice),"
	@echo "plan.csv (the campaign's selection), outcomes.csv (closed controls for retraining), scores.csv (every dossier's score and reasons)."
	@scripts/demo-serve.sh $(CIBLAGE) $(DEMO_STORE) $(OUT)

# The whole suite; the queue's store tests also run against a local PostgreSQL that this starts.
# The browser test (headless Chromium through selenium) needs Chromium, its driver and a venv with
# selenium: scripts/install-browser-test-deps.sh installs what is missing and says where.
# The independent PMML check (XSD, nyoka, the pmml4s engine on Java) needs a JRE and a venv:
# scripts/install-pmml-check-deps.sh installs them.
test: setup
	scripts/install-browser-test-deps.sh
	scripts/install-pmml-check-deps.sh
	url=$$(scripts/start-test-postgres.sh) && CIBLAGE_TEST_POSTGRES_URL=$$url CIBLAGE_BROWSER_TEST=1 CIBLAGE_PMML_CHECK=1 $(SWIFT) test

# CI: every hot-path benchmark runs on a small fixture; allocations are the gate, never time.
# The benchmarks package depends on the root one by path, and SwiftPM keeps its build plan for it
# in benchmarks/.build: after a target of the root package is added or removed, that stale plan
# fails with "missing inputs". Removing the plan makes SwiftPM write it again (a few seconds).
STALE_BENCH_PLAN := benchmarks/.build/release.yaml benchmarks/.build/release/description.json

bench-quick: setup
	@mkdir -p $(OUT)
	@rm -f $(STALE_BENCH_PLAN)
	CIBLAGE_BENCH_ROWS=20000 $(SWIFT) package --package-path benchmarks benchmark --metric mallocCountTotal \
		--format markdown --path stdout --no-progress > $(OUT)/bench-quick.md
	python3 scripts/check-benchmark-allocations.py $(OUT)/bench-quick.md

# The full suite (200 000 × 40 fixture), with times, throughput and allocations.
bench: setup
	@rm -f $(STALE_BENCH_PLAN)
	$(SWIFT) package --package-path benchmarks benchmark

clean:
	rm -rf .build $(OUT)
