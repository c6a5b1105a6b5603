#!/usr/bin/env bash
# What the independent PMML check needs (scripts/pmml/check_pmml.py, run by the test suite when
# CIBLAGE_PMML_CHECK=1, which `make test` sets): a Java runtime for the pmml4s engine, and
# pypmml, nyoka, pandas and lxml in scripts/.venv-pmml. Installs only what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v java >/dev/null 2>&1; then
  echo "Installing a Java runtime for the PMML check: default-jre-headless"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless
fi
venv=$here/.venv-pmml
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pypmml, nyoka, pandas, lxml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pypmml nyoka pandas lxml
fi
