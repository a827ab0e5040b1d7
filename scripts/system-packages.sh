#!/usr/bin/env bash
# Debian packages Talent Exchange needs beyond Python: HarfBuzz's subsetting library (WeasyPrint
# subsets certificate fonts in ~0.2 s with it and ~5 s without), and, with --dev, the tools the
# test suite and benchmarks use (pdftotext from poppler-utils, Chromium for browser tests, wrk for
# the verification load benchmark, whose Python fallback client competes for the same two cores).
set -euo pipefail

packages=(libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-}" = "--dev" ]; then
  packages+=(poppler-utils chromium wrk)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install the equivalents of: ${missing[*]} (this is not a Debian-based system)." >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "Missing system packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
