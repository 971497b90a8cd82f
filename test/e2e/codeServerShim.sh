#!/usr/bin/env bash
# Stands in for a VS Code executable so test/e2e/runDesktop.mjs (@vscode/test-electron) can
# be exercised on a machine without desktop VS Code: translates the arguments VS Code gets
# (--extensionDevelopmentPath=, --extensionTestsPath=, the folder) into scripts/e2e-run.mjs,
# which runs them in code-server + headless Chromium.
#   VSCODE_EXECUTABLE=test/e2e/codeServerShim.sh node test/e2e/runDesktop.mjs
set -euo pipefail
development="" tests="" folder=""
for arg in "$@"; do
  case "$arg" in
    --extensionDevelopmentPath=*) development="${arg#*=}" ;;
    --extensionTestsPath=*) tests="${arg#*=}" ;;
    -*) ;;
    *) [ -n "$folder" ] || folder="$arg" ;;
  esac
done
exec node "$(dirname "$0")/../../scripts/e2e-run.mjs" --workspace "${folder:-.}" \
  --extension-development-path "$development" --extension-tests-path "$tests"
