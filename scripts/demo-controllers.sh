#!/usr/bin/env bash
# The controller operations of `make demo` on the demo store: two controllers pull dossiers, close them
# (one overriding the selection, with a reason), one gives an item back; then the campaign's progress,
# the outcome export for retraining, a signed checkpoint, and the audit log's verification against
# the checkpoints.
# Usage: scripts/demo-controllers.sh CIBLAGE STORE OUT
set -euo pipefail
ciblage=$1 store=$2 out=$3
# Pulls the next item for a controller, shows it on stderr and prints its number.
pull() {
    local shown
    shown=$("$ciblage" queue next --controller "$1" --store "$store" "${@:2}")
    printf '%s\n' "$shown" >&2
    printf '%s\n' "$shown" | sed -n 's/^item \([0-9]*\):.*/\1/p'
}

echo "alice pulls a visit and closes it: an indu of 1 850 EUR over 8 months"
a=$(pull alice --channel sur_place)
"$ciblage" queue close "$a" --controller alice --indu 1850 --indu-months 8 --store "$store"
echo "alice pulls a document check and closes it: nothing found"
b=$(pull alice --channel sur_pieces)
"$ciblage" queue close "$b" --controller alice --store "$store"
echo "bob pulls a document check and disagrees with the selection"
c=$(pull bob --channel sur_pieces)
"$ciblage" queue close "$c" --controller bob --indu 420 --indu-months 3 --judgement override \
    --reason "situation déjà régularisée lors d'un rendez-vous" --store "$store"
echo "bob pulls another one and gives it back"
d=$(pull bob)
"$ciblage" queue release "$d" --controller bob --store "$store"
"$ciblage" queue list --controller alice --store "$store"
"$ciblage" queue status --campaign datamining-demo-2026-T1 --campaign-file "$out/campagne.yaml" --store "$store"
"$ciblage" queue export --campaign datamining-demo-2026-T1 --output "$out/outcomes.csv" --store "$store"
"$ciblage" queue checkpoint --key "$out/audit.key" --checkpoint "$out/checkpoints.jsonl" --store "$store"
"$ciblage" queue verify --checkpoint "$out/checkpoints.jsonl" --public-key "$out/audit.key.pub" --store "$store"
