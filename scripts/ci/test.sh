#!/usr/bin/env bash
# `just test`: every suite, against real servers started here and stopped at
# the end. Suites all run even when one fails; the exit code is non-zero if
# any failed, and the last line names them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sightgraph/target}"
export SIGHTGRAPH_RUN="${SIGHTGRAPH_RUN:-$SIGHTGRAPH_CACHE/run}"

failed=()
suite() { # suite NAME COMMAND...
  local name="$1"; shift
  log "── $name"
  if "$@"; then log "── $name: ok"; else log "── $name: FAILED"; failed+=("$name"); fi
}

trap 'scripts/services/all.sh down >/dev/null 2>&1 || true' EXIT
scripts/services/all.sh up
set -a; source "$SIGHTGRAPH_RUN/services.env"; set +a
source scripts/models/env.sh

cargo build --workspace --bins
suite "rust" cargo test --workspace --no-fail-fast
suite "deploy" scripts/deploy/check.sh
suite "emulators" scripts/e2e/run.sh
suite "ui" scripts/ui/stack-e2e.sh

if ((${#failed[@]})); then
  log "failed suites: ${failed[*]}"
  exit 1
fi
log "all suites passed"
