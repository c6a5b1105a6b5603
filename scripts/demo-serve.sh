#!/usr/bin/env bash
# The end of `make demo`: demo accounts (one per role, random passwords printed here, local only) on
# the demo store, then the web application on 127.0.0.1:8080 until Ctrl-C. DEMO_SERVE=0 stops
# before serving. Run after scripts/demo-controllers.sh: once a store has users, the queue commands
# need an API token (CIBLAGE_TOKEN) instead of --controller.
# Usage: scripts/demo-serve.sh CIBLAGE STORE OUT
set -euo pipefail
ciblage=$1 store=$2 out=$3
listen=${DEMO_LISTEN:-127.0.0.1:8080}
# The sectors of the plan, from the progress table (second column).
mapfile -t sectors < <("$ciblage" queue status --store "$store" | awk 'NR > 1 { print $2 }' | sort -u)
half=$(( (${#sectors[@]} + 1) / 2 ))
sector_flags() { local s; for s in "$@"; do printf -- '--sector\n%s\n' "$s"; done; }
password() { python3 -c 'import secrets; print(secrets.token_urlsafe(12))'; }
accounts=$out/demo-accounts.txt
: > "$accounts"
chmod 600 "$accounts"
declare -A passwords
add() {  # NAME ROLE SECTOR...
    local name=$1 role=$2 pw
    shift 2
    pw=$(password)
    passwords[$name]=$pw
    mapfile -t flags < <(sector_flags "$@")
    printf '%s\n' "$pw" | "$ciblage" users add "$name" --role "$role" "${flags[@]}" --password-stdin --bcrypt-cost 10 --store "$store" >/dev/null
    printf '%-8s %-14s %s\n' "$name" "$role" "$pw" >> "$accounts"
}
add claire controleur "${sectors[@]:0:$half}"
add marc controleur "${sectors[@]:$half}"
add sophie superviseur "${sectors[@]}"
add damien datascientist
add delphine datascientist
add admin admin

# The model registry: damien registers the model with its evidence, delphine approves it (four
# eyes), and the deployer's documents are written beside the card.
token() { printf '%s\n' "${passwords[$1]}" | "$ciblage" users token "$1" --password-stdin --days 1 --store "$store" 2>/dev/null; }
CIBLAGE_TOKEN=$(token damien) "$ciblage" model register "$out/model.json" --name dmde-simule --version 2026.1 \
    --valid-from 2026-01-01 --valid-until 2026-12-31 --evaluation "$out/evaluation.json" --audit "$out/audit.json" --card "$out/card.md" --store "$store"
CIBLAGE_TOKEN=$(token delphine) "$ciblage" model approve dmde-simule@2026.1 --store "$store"
"$ciblage" monitor --model dmde-simule@2026.1 --store "$store" --reference "$out/pbdf.csv" --current "$out/population.csv" \
    --closed "$out/outcomes.csv" --json "$out/monitor.json" >/dev/null
"$ciblage" model documents dmde-simule@2026.1 --store "$store" --campaign "$out/campagne.yaml" --monitoring "$out/monitor.json" \
    --organisation "Caf simulée" --output-dir "$out"
echo
echo "Demo accounts (local only; also in $accounts):"
cat "$accounts"
if [ "${DEMO_SERVE:-1}" = "0" ]; then
    echo "DEMO_SERVE=0: not serving. Serve with: $ciblage serve --store $store --campaign $out/campagne.yaml --campaign $out/campagne-metier.yaml --campaign $out/campagne-acces.yaml --reports $out"
    exit 0
fi
echo
echo "Serving on http://$listen/ (Ctrl-C to stop)"
exec "$ciblage" serve --store "$store" --listen "$listen" --campaign "$out/campagne.yaml" --campaign "$out/campagne-metier.yaml" --campaign "$out/campagne-acces.yaml" --reports "$out"
