#!/usr/bin/env bash
# Installs the independent reference programs the differential tests compare against
# (nasm, Unicorn, Bochs 2.7 with VMX; see the README). Safe to run repeatedly; skips what
# is present.
set -uo pipefail

want=()
command -v nasm >/dev/null 2>&1 || want+=(nasm)
/usr/bin/python3 -c 'import unicorn' >/dev/null 2>&1 || want+=(python3-unicorn)
# Bochs runs headless with the ncurses "term" display (bochs-term) under `script`; it
# boots our own ROM (bench/bochs/rom.asm), but the package depends on a BIOS and loads the
# VGA BIOS image by default, so bochsbios and vgabios come along.
command -v bochs >/dev/null 2>&1 || want+=(bochs)
ls /usr/lib/*/bochs/plugins/libbx_term_gui.so* >/dev/null 2>&1 || want+=(bochs-term)
[ -e /usr/share/bochs/BIOS-bochs-latest ] || want+=(bochsbios)
[ -e /usr/share/bochs/VGABIOS-lgpl-latest ] || want+=(vgabios)
command -v script >/dev/null 2>&1 || want+=(bsdutils)
[ ${#want[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing oracles: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null 2>&1 || true
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
  || echo "warning: could not install ${want[*]}; differential tests will say they are skipped"
exit 0
