#!/usr/bin/env bash
# What `just test` runs for the web UI (ui/): type check, unit tests, production build, then the
# end-to-end flow in headless Debian Chromium. Works from a fresh clone; exits non-zero on failure.
#   SIGHTGRAPH_URL=http://127.0.0.1:PORT  run the end-to-end test against a running stack
#                                          (default: the fake API of ui/e2e/fake-api.mjs serving ui/dist)
#   UI_SKIP_E2E=1                          stop after the build
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT/ui"

command -v node >/dev/null || die "node >= 20.19 is required (apt-get install nodejs, or nvm)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "node >= 20.19 is required, found $(node --version)"

# NB: the browser comes from Debian, never from a Playwright download.
if [[ -z "${UI_SKIP_E2E:-}" ]]; then
  apt_install chromium fonts-dejavu-core
  export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
fi

log "installing npm dependencies from package-lock.json"
npm ci --cache "${NPM_CACHE:-$HOME/.npm}" --prefer-offline --no-audit --no-fund --loglevel=error

log "lint (vue-tsc)"
npm run --silent lint
log "unit tests (vitest)"
npm run --silent test:unit
log "build"
npm run --silent build

if [[ -n "${UI_SKIP_E2E:-}" ]]; then
  log "UI_SKIP_E2E set: skipping end-to-end tests"
  exit 0
fi
log "end-to-end tests against ${SIGHTGRAPH_URL:-the fake API} (screenshots in ui/test-results/)"
npm run --silent test:e2e
