#!/usr/bin/env bash
# Rebuilds the seed corpus of every fuzzing target from the repository's fixtures
# (docs/HARDENING.md). The corpus is kept in git; run this after a fixture's format changes.
# Needs a debug build (.build/debug/ciblage) for the small model and the simulated extract.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
ciblage=${CIBLAGE:-.build/debug/ciblage}
rm -rf "$out"; mkdir -p "$out"/{csv,spec,campaign,model,archetypes,json}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# CSV: the first byte is the harness's option byte (delimiter in bits 0-1, decimal comma in bit 2,
# block size in bits 3-7); each fixture is cut to its first 30 lines.
csv_seed() {  # name option-byte file
  { printf "\\x$(printf %02x "$2")"; head -n 30 "$3"; } > "$out/csv/$1"
}
n=0
for f in Tests/RiskModelTests/References/data/*.csv Tests/AccountabilityTests/References/fairness.csv; do
  csv_seed "$(basename "$f" .csv)" $(( (n * 37) % 256 & ~4 )) "$f"; n=$((n + 1))
done
"$ciblage" simulate --dossiers 40 --seed 11 --output "$work/population.csv" > /dev/null
csv_seed simulated 0 "$work/population.csv"
csv_seed simulated-forced-tab 3 "$work/population.csv"   # a tab forced on a comma file: one column
printf '\x06id;montant;date\r\n1;"1 234,5";2026-01\r\n2;-0,25e3;2026-02-28\r\n3;NA;\r\n' > "$out/csv/semicolon-decimal-comma"
printf '\x01\xef\xbb\xbfid,texte,valeur\n1,"a ""cité"" b",1e308\n2,"sur\ndeux lignes",123456789012345678901\n3,,  42  \n' > "$out/csv/quotes-bom"
printf '\x02a;b\n1;2\n3\n' > "$out/csv/ragged"
printf '\x00x,y\n"1,2\n' > "$out/csv/unclosed-quote"
printf '\x0ba\tb\n0.1\t1e-400\n4.9e-324\t9007199254740993\n' > "$out/csv/tab-edge-numbers"

# YAML files as shipped, and small variants that reach other branches.
cp models/dmde-simule.spec.yaml "$out/spec/dmde-simule.yaml"
printf 'name: petit\ncolumns:\n- {name: id, role: id}\n- {name: y, role: target}\n- {name: x, role: feature, type: numeric, missing: {impute: 0}}\n- {name: c, role: feature, type: categorical, levels: [a, b], reference: a}\n' > "$out/spec/small.yaml"
cp models/campagne-demo.yaml "$out/campaign/demo.yaml"
printf 'name: c\nmodel: m.json\nchannels:\n  - {name: sur_pieces, capacity: 10, sectorCapacity: {S1: 3}}\nobjective: {volume: 5}\nfilter: {caf: "750"}\n' > "$out/campaign/sectors.yaml"
cp models/archetypes.yaml "$out/archetypes/demo.yaml"
printf 'archetypes:\n  - name: a\n    profile: {x: 1}\n    edits: {x: ["2", "3"]}\n' > "$out/archetypes/small.yaml"

# A small model (the shipped one is 130 KB, far above libFuzzer's input sizes).
"$ciblage" train --data Tests/RiskModelTests/References/data/spector.csv --target GRADE --output "$work/spector.model.json" > /dev/null
cp "$work/spector.model.json" "$out/model/spector.json"

# The API's bodies, one per route shape.
printf '{"user": "claire", "password": "correct horse battery"}' > "$out/json/login"
printf '{"channel": "sur_place", "sector": "S01"}' > "$out/json/next"
printf '{"indu": 1250.5, "rappel": 0, "induMonths": 7, "fraud": false, "judgement": "override", "reason": "pièces manquantes"}' > "$out/json/close"
printf '{"controller": "marc"}' > "$out/json/reassign"
printf '{"name": "nouveau", "role": "controleur", "sectors": "S01,S02", "password": "douze caracteres"}' > "$out/json/user"
printf '{}' > "$out/json/empty"
printf 'user=claire&password=a+b%%20c&csrf=x' > "$out/json/form"
find "$out" -type f | wc -l
