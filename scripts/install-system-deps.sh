#!/usr/bin/env bash
# Installs the Debian packages Ciblage builds against, if any is missing:
#   libopenblas-dev  CBLAS + the Fortran LAPACK symbols (libopenblas)
#   liblapack-dev    reference LAPACK (the product card names it; OpenBLAS stays the provider)
#   liblapacke-dev   /usr/include/lapack.h, the official LAPACK prototypes (on Debian 12 it ships here)
#   pkg-config       so SwiftPM finds openblas.pc
set -euo pipefail
packages=(libopenblas-dev liblapack-dev liblapacke-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}"
