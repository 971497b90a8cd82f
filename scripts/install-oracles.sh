#!/usr/bin/env bash
# Installs the independent reference programs the differential tests compare against
# (nasm, Unicorn; see the README). Safe to run repeatedly; skips what is present.
set -uo pipefail

want=()
command -v nasm >/dev/null 2>&1 || want+=(nasm)
/usr/bin/python3 -c 'import unicorn' >/dev/null 2>&1 || want+=(python3-unicorn)
[ ${#want[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing oracles: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null 2>&1 || true
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
  || echo "warning: could not install ${want[*]}; differential tests will say they are skipped"
exit 0
