#!/usr/bin/env bash
# setup-browser.sh: installs what tests/hosts/web/browser.test.js needs, and does
# nothing when it is already there:
# - Debian's chromium (/usr/bin/chromium), through apt;
# - the test dependency playwright-core, pinned in tests/package.json and
#   tests/package-lock.json, installed with `npm ci` into tests/node_modules
#   (playwright-core drives the system chromium; it downloads no browser).
#
# Usage: tools/setup-browser.sh    (called by tools/setup.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
say() { printf 'setup-browser: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  say "installing chromium (Debian)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# npm ci again only when the lock file changed since the last install.
install_playwright() {
  local tests="$root/tests" marker="$root/tests/node_modules/.ptm-lock.sha256"
  local sum
  sum=$(sha256sum "$tests/package-lock.json" | cut -d' ' -f1)
  [ -f "$marker" ] && [ "$(cat "$marker")" = "$sum" ] && return 0
  say "npm ci in tests/ (playwright-core)"
  (cd "$tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$sum" > "$marker"
}

install_chromium
install_playwright
