#!/usr/bin/env bash
# What the browser test needs (SERVER.md, "A real browser in tests"): Debian's chromium and
# chromium-driver, and selenium in scripts/.venv-browser (no network at test time: the driver is
# given explicitly and SE_OFFLINE is set by the test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
for p in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing for the browser test: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
venv=$here/.venv-browser
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'selenium==4.*'
fi
