#!/usr/bin/env bash
# The server load benchmark of docs/BENCHMARKS.md ("Server"): CLIENTS authenticated clients (default 50)
# each pulling and closing OPERATIONS items (default 200) through the JSON API.
#   benchmarks/server/run.sh sqlite     one server process on a SQLite store
#   benchmarks/server/run.sh postgres   two server processes on one PostgreSQL store
#   benchmarks/server/run.sh kill       one server on SQLite, killed with SIGKILL during the load and restarted
#   benchmarks/server/run.sh pgrestart  two servers on PostgreSQL, PostgreSQL restarted during the load
# Then the checks: no item assigned twice, every close answered 200 is recorded once in the audit
# log (no close lost, none twice), the store's counts agree, the audit chain verifies.
# STORE_THREADS=N sets each server's --store-threads (default 16).
# RATE=R makes the load an open loop offering R operations per second in all (latencies from each
# operation's scheduled start); without it every client goes as fast as it is answered (saturation).
# Uses the release build (CIBLAGE=… to override); figures are printed as JSON.
set -euo pipefail
mode=${1:-sqlite}
root=$(cd "$(dirname "$0")/../.." && pwd)
ciblage=${CIBLAGE:-$root/.build/release/ciblage}
clients=${CLIENTS:-50} operations=${OPERATIONS:-200}
work=$(mktemp -d /tmp/ciblage-load.XXXXXX)
need=$((clients * operations))
password=mot-de-passe-de-charge

"$ciblage" simulate --dossiers $((need * 3)) --seed 11 --output "$work/pop.csv" >/dev/null
printf 'name: charge\nmodel: %s\nchannels:\n  - {name: sur_pieces, capacity: %d}\nexploration: 0.1\nseed: 3\n' \
    "$root/models/dmde-simule.model.json" "$need" > "$work/campaign.yaml"
if [ "$mode" = postgres ] || [ "$mode" = pgrestart ]; then
    base=$("$root/scripts/start-test-postgres.sh")
    psql "$base" -qc "DROP DATABASE IF EXISTS ciblage_load" -c "CREATE DATABASE ciblage_load" >/dev/null
    store=${base%/*}/ciblage_load
    servers=${SERVERS:-2}
else
    store=$work/q.sqlite
    servers=1
fi
"$ciblage" queue plan --campaign "$work/campaign.yaml" --data "$work/pop.csv" --store "$store" >&2
mapfile -t sectors < <("$ciblage" queue status --store "$store" | awk 'NR > 1 { print $2 }' | sort -u)
flags=()
for s in "${sectors[@]}"; do flags+=(--sector "$s"); done
for ((k = 0; k < clients; k++)); do
    echo "$password" | "$ciblage" users add "charge$k" --role controleur "${flags[@]}" --password-stdin --bcrypt-cost 10 --store "$store" >/dev/null
done

start_server() {  # PORT
    "$ciblage" serve --store "$store" --listen "127.0.0.1:$1" --store-threads "${STORE_THREADS:-16}" 2>>"$work/server-$1.log" &
    echo $! > "$work/server-$1.pid"
}
urls=()
for ((i = 0; i < servers; i++)); do
    port=$((8181 + i))
    start_server "$port"
    urls+=(--server "http://127.0.0.1:$port")
done
sleep 1
load_options=()
[ -n "${RATE:-}" ] && load_options+=(--rate "$RATE")
if [ "$mode" = pgrestart ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    load_options+=(--disrupt "4:pg_ctlcluster $version main restart -m fast")
fi
if [ "$mode" = kill ]; then
    load_options+=(--kill "$work/server-8181.pid:4:$ciblage serve --store $store --listen 127.0.0.1:8181 2>>$work/server-8181.log & echo \$! > $work/server-8181.pid")
fi
status=0
python3 "$root/benchmarks/server/load.py" "${urls[@]}" --users charge --password "$password" --clients "$clients" \
    --operations "$operations" --json "$work/result.json" "${load_options[@]}" || status=$?
sleep 0.5
for pid in "$work"/server-*.pid; do kill "$(cat "$pid")" 2>/dev/null || true; done
wait 2>/dev/null || true

# The store's side of the checks.
"$ciblage" queue verify --store "$store"
if [ "$mode" = postgres ] || [ "$mode" = pgrestart ]; then
    audit=$(psql "$store" -tAc "SELECT count(*) || ' ' || count(DISTINCT item) FROM audit WHERE action = 'close'")
    closed=$(psql "$store" -tAc "SELECT count(*) FROM items WHERE state = 'closed'")
else
    audit=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute(\"SELECT count(*), count(DISTINCT item) FROM audit WHERE action='close'\").fetchone())" "$store")
    closed=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"SELECT count(*) FROM items WHERE state='closed'\").fetchone()[0])" "$store")
fi
python3 - "$work/result.json" "$audit" "$closed" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
entries, distinct = map(int, sys.argv[2].split())
closed = int(sys.argv[3])
acknowledged = set(r["closedItems"])
checks = {
    "no close recorded twice in the audit log": entries == distinct,
    "every acknowledged close is in the store": closed >= len(acknowledged) and distinct >= len(acknowledged),
    "no close in the store that no client made": closed == distinct == len(acknowledged),
}
for what, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + what)
print(f"audit close entries {entries} ({distinct} items), closed items {closed}, closes acknowledged {len(acknowledged)}")
sys.exit(0 if all(checks.values()) else 1)
PY
exit $status
