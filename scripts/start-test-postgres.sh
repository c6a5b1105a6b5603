#!/usr/bin/env bash
# Installs (if missing) and starts a local PostgreSQL for the queue tests, creates the role `ciblage`
# (allowed to create the per-test databases) and prints the URL the tests use. Needs root or sudo.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian package postgresql)" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; }
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$" || $SUDO pg_createcluster "$version" main >&2
online() { pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; }
if ! online; then
  # After an unclean shutdown (a machine reset), recovery can outlast pg_ctlcluster's wait and make it
  # report a failure although the server comes up: wait for it before giving up.
  $SUDO pg_ctlcluster "$version" main start >&2 || true
  for _ in $(seq 1 30); do online && break; sleep 1; done
  online || { echo "PostgreSQL $version did not start; see /var/log/postgresql/" >&2; exit 1; }
fi
psql_admin() { $SUDO -u postgres psql -v ON_ERROR_STOP=1 -qtAc "$1" 2>/dev/null || su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
[ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='ciblage'")" = "1" ] || psql_admin "CREATE ROLE ciblage LOGIN CREATEDB PASSWORD 'ciblage'" >&2
[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='ciblage_test'")" = "1" ] || psql_admin "CREATE DATABASE ciblage_test OWNER ciblage" >&2
echo "postgres://ciblage:ciblage@127.0.0.1:5432/ciblage_test"
